/** Bad options given to `withKVCache` or the hooks plugin. Thrown at start-up, never per request. */
export class KVCacheConfigError extends Error {
  constructor(message: string) {
    super(`payload-kv-cache: ${message}`)
    this.name = 'KVCacheConfigError'
  }
}

/** A read made with `mode: 'cache-only'` found nothing usable in the cache. */
export class KVCacheMissError extends Error {
  readonly operation: string
  readonly slug: string
  /** Payload's REST layer answers with this status: the cache cannot serve the request now. */
  readonly status = 503
  constructor(operation: string, slug: string) {
    super(`payload-kv-cache: cache-only ${operation} on '${slug}' missed the cache`)
    this.name = 'KVCacheMissError'
    this.operation = operation
    this.slug = slug
  }
}
