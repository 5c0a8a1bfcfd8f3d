import type { Endpoint } from 'payload'
import { flush, purge } from 'payload-kv-cache'
import type { KVCacheEndpointsOptions } from '../types.js'
import { guard } from './guard.js'
import { parsePurgeBody } from './parsePurgeBody.js'

/**
 * `POST /api/kv-cache/purge` with `{ collection } | { global } | { all: true }` and an optional
 * `cursor`: deletes stored entries within one invocation's KV budget and answers
 * `{ deleted, cursor? }`; call again with the cursor while one comes back. `all` also flushes
 * (on the first call), so nothing cached before it is served again.
 */
export const purgeEndpoint = (access: KVCacheEndpointsOptions['access']): Endpoint => ({
  method: 'post',
  path: '/kv-cache/purge',
  handler: async (req) => {
    await guard(req, access)
    const body = await parsePurgeBody(req)
    // Answered, not thrown: Payload logs thrown API errors as server errors.
    if (typeof body === 'string') {
      return Response.json({ errors: [{ message: `kv-cache purge: ${body}` }] }, { status: 400 })
    }
    const { payload } = req
    const options = body.cursor === undefined ? {} : { cursor: body.cursor }
    if ('all' in body) {
      if (body.cursor === undefined) await flush(payload)
      return Response.json(await purge(payload, {}, options))
    }
    const scope = 'collection' in body ? { collection: body.collection } : { global: body.global }
    return Response.json(await purge(payload, scope, options))
  },
})
