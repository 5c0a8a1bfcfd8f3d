import type { Endpoint } from 'payload'
import { flush } from 'payload-kv-cache'
import type { KVCacheEndpointsOptions } from '../types.js'
import { guard } from './guard.js'

/**
 * `POST /api/kv-cache/flush`: makes every cached entry stale in every isolate with one KV write
 * (`flush(payload)`), and answers `{ flushed: true }`. Deletes nothing; `purge` reclaims storage.
 */
export const flushEndpoint = (access: KVCacheEndpointsOptions['access']): Endpoint => ({
  method: 'post',
  path: '/kv-cache/flush',
  handler: async (req) => {
    await guard(req, access)
    await flush(req.payload)
    return Response.json({ flushed: true })
  },
})
