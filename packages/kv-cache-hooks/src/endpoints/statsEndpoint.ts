import type { Endpoint } from 'payload'
import type { KVCacheEndpointsOptions } from '../types.js'
import { statsResponse } from '../utilities/statsResponse.js'
import { guard } from './guard.js'

/**
 * `GET /api/kv-cache/stats`: the cache statistics of this instance (isolate) as JSON, a
 * `KVCacheStatsResponse`.
 */
export const statsEndpoint = (access: KVCacheEndpointsOptions['access']): Endpoint => ({
  method: 'get',
  path: '/kv-cache/stats',
  handler: async (req) => {
    await guard(req, access)
    return Response.json(statsResponse(req.payload))
  },
})
