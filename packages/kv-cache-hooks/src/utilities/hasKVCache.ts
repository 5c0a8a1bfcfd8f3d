import type { Payload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'

const known = new WeakMap<Payload, boolean>()

/**
 * Whether `payload`'s database adapter is wrapped by `withKVCache` (and not disabled). Asked once
 * per instance; the first `false` logs the one warning that the plugin has nothing to do.
 */
export const hasKVCache = (payload: Payload): boolean => {
  let has = known.get(payload)
  if (has === undefined) {
    try {
      getCacheStats(payload)
      has = true
    } catch {
      has = false
      payload.logger.warn(
        'payload-kv-cache-hooks: this Payload instance has no KV cache (wrap config.db with withKVCache(...)); kvCachePlugin does nothing',
      )
    }
    known.set(payload, has)
  }
  return has
}
