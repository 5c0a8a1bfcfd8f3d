export { KVCacheConfigError, KVCacheMissError } from './errors.js'
export type { CacheStats, ReadStats } from './events/stats.js'
export type { KVNamespace, KVNamespaceListPage } from './kv/kvNamespace.js'
export {
  flush,
  getCacheStats,
  hasKVCache,
  invalidate,
  onCacheEvent,
  purge,
  resetCacheStats,
  settled,
} from './manage.js'
export { withCacheControl } from './request/cacheControl.js'
export type {
  BypassReason,
  CacheControl,
  CacheEvent,
  CachePolicy,
  CacheTier,
  Invalidated,
  InvalidationTarget,
  KeyInput,
  KVBinding,
  KVCacheOptions,
  KVOperation,
  ScopeOptions,
} from './types.js'
export { withKVCache } from './withKVCache.js'

import type { CacheControl } from './types.js'

declare module 'payload' {
  interface RequestContext {
    /**
     * Cache control for every read of this operation, relationship population included (also
     * `findByID`). See `CacheControl`; invalid values throw a `TypeError`.
     */
    kvCache?: CacheControl
  }
}
