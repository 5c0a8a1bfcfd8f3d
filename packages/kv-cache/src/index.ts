export { withCacheControl } from './control.js'
export { KVCacheConfigError, KVCacheMissError } from './errors.js'
export type { KVNamespace, KVNamespaceListPage } from './kvNamespace.js'
export {
  flush,
  getCacheStats,
  hasKVCache,
  type InvalidationTarget,
  invalidate,
  purge,
  resetCacheStats,
  settled,
} from './manage.js'
export { adapterMethods, type MethodKind, type MethodSpec } from './methods.js'
export { internalSlugs } from './options.js'
export type { CacheStats, ReadStats } from './stats.js'
export type {
  BypassReason,
  CacheControl,
  CacheEvent,
  CacheTier,
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
