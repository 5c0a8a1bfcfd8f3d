import type { KVCache } from './KVCache.js'

/**
 * The cache of every wrapped instance, shared by every copy of this module in the process:
 * Next.js bundles a package once per layer (route handlers, server components), and `getPayload`
 * hands all of them the same Payload instance, so a module-level map would find no cache from a
 * server component when a route handler built the instance.
 */
const global = globalThis as { [key: symbol]: WeakMap<object, KVCache> | undefined }
const CACHES = Symbol.for('payload-kv-cache.caches')
const caches = global[CACHES] ?? new WeakMap<object, KVCache>()
global[CACHES] = caches

/** Remembers the cache of a Payload instance, under the instance and its (wrapped) adapter. */
export const registerCache = (payload: object, adapter: object, cache: KVCache): void => {
  caches.set(payload, cache)
  caches.set(adapter, cache)
}

/** The cache of a Payload instance (or of its `db`), or `undefined` when its adapter is not wrapped. */
export const cacheOf = (payload: object): KVCache | undefined =>
  caches.get(payload) ?? caches.get((payload as { db?: object }).db ?? {})
