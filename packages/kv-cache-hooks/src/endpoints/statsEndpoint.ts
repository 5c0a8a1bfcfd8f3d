import type { Endpoint } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import type { KVCacheEndpointsOptions } from '../types.js'
import { guard } from './guard.js'

/** `GET /api/kv-cache/stats`: the cache statistics of this instance (isolate) as JSON. */
export const statsEndpoint = (access: KVCacheEndpointsOptions['access']): Endpoint => ({
  method: 'get',
  path: '/kv-cache/stats',
  handler: async (req) => {
    await guard(req, access)
    return Response.json(getCacheStats(req.payload))
  },
})
