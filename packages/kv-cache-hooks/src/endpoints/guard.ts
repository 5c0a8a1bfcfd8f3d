import { APIError, Forbidden, type PayloadRequest } from 'payload'
import type { KVCacheEndpointsOptions } from '../types.js'
import { hasKVCache } from '../utilities/hasKVCache.js'

/** The default access: a logged-in user of the admin user collection. */
export const isAdminUser = (req: PayloadRequest): boolean =>
  Boolean(req.user) && req.user?.collection === req.payload.config.admin.user

/** Refuses a request that `access` does not allow (403), or one to an instance without a cache (501). */
export const guard = async (
  req: PayloadRequest,
  access: KVCacheEndpointsOptions['access'] = isAdminUser,
): Promise<void> => {
  if (!(await access(req))) throw new Forbidden(req.t)
  if (!hasKVCache(req.payload)) {
    throw new APIError(
      'this Payload instance has no KV cache: wrap config.db with withKVCache(...)',
      501,
    )
  }
}
