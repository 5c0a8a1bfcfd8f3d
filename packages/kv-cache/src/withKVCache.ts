import type { BaseDatabaseAdapter, DatabaseAdapterObj, Payload } from 'payload'
import { wrapAdapter } from './adapter/wrapAdapter.js'
import type { AdapterInfo } from './context.js'
import { KVCacheConfigError } from './errors.js'
import { KVCache } from './KVCache.js'
import { isKVNamespace } from './kv/kvStore.js'
import { resolveOptions } from './options/resolveOptions.js'
import { registerCache } from './registry.js'
import type { KVBinding, KVCacheOptions } from './types.js'

/**
 * Wraps a Payload database adapter factory so that reads are served from an in-isolate memory tier
 * and Cloudflare Workers KV, and writes invalidate exactly what they change.
 *
 * @example
 * db: withKVCache(sqliteD1Adapter({ binding: env.D1 }), env.CACHE, { ttl: 300 })
 *
 * @param adapter What `postgresAdapter(...)`, `sqliteAdapter(...)`, `sqliteD1Adapter(...)` or any
 *   other factory returns.
 * @param kv A KV namespace binding, or a function returning one (sync or async).
 * @param options See `KVCacheOptions`; validated here, and slugs when Payload starts.
 */
export const withKVCache = <T extends DatabaseAdapterObj>(
  adapter: T,
  kv: KVBinding,
  options: KVCacheOptions = {},
): T => {
  if (!adapter || typeof adapter !== 'object' || typeof adapter.init !== 'function') {
    throw new KVCacheConfigError(
      'the first argument must be a database adapter such as sqliteD1Adapter({ ... }), i.e. an object with init()',
    )
  }
  if (typeof kv !== 'function' && !isKVNamespace(kv)) {
    throw new KVCacheConfigError(
      `the second argument must be a KV namespace binding (e.g. env.CACHE) or a function returning one, got ${
        kv === null ? 'null' : typeof kv
      }`,
    )
  }
  const resolved = resolveOptions(options)
  // Keep every own property of the factory result (name, defaultIDType, allowIDOnCreate, and
  // whatever another decorator added), getters included; replace only `init`.
  const wrapped = Object.defineProperties({}, Object.getOwnPropertyDescriptors(adapter)) as T
  wrapped.init = ({ payload }: { payload: Payload }) => {
    const inner = adapter.init({ payload })
    if (!resolved.enabled) return inner
    const cache = new KVCache(payload, kv, resolved, inner as AdapterInfo)
    const proxy = wrapAdapter(inner as BaseDatabaseAdapter, cache)
    registerCache(payload, proxy, cache)
    return proxy as ReturnType<T['init']>
  }
  return wrapped
}
