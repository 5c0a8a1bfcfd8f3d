export { withCacheControl } from './control.js'
export { KVCacheConfigError, KVCacheMissError } from './errors.js'
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
export type { CacheStats, ReadStats } from './stats.js'
export type {
  BypassReason,
  CacheControl,
  CacheEvent,
  CacheTier,
  KeyInput,
  KVBinding,
  KVCacheOptions,
  KVNamespace,
  KVOperation,
  ScopeOptions,
} from './types.js'
export { withKVCache } from './withKVCache.js'
