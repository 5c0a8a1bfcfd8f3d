/**
 * Hyperdrive's query cache. Hyperdrive caches the results of read queries for `max_age` (default
 * 60 s), then serves them `stale_while_revalidate` longer (default 15 s) while it refreshes them,
 * in every location, and never invalidates them after a write
 * (developers.cloudflare.com/hyperdrive/concepts/query-caching/). So an answer it gives at time t
 * was read from the database no earlier than t − (max_age + stale_while_revalidate): a fill under
 * tokens written longer ago than that (plus clock skew) can come from the cache; a younger one must
 * read through a connection whose configuration has caching disabled, or not be stored.
 *
 * Queries with volatile functions are never cached: the WAL position queries of
 * `postgresReplicas.ts` pass through.
 */

/** Where Hyperdrive's query cache sits in front of the adapter's connections, and for how long. */
export type HyperdriveCache = {
  /**
   * - `'replicas'`: the adapter's `pool` goes through a configuration with caching disabled, and its
   *   `readReplicas` through the cached one (Cloudflare's two bindings): young fills read the pool;
   * - `'all'`: every connection is cached: young fills are read and not stored.
   */
  cached: 'all' | 'replicas'
  /** Milliseconds an answer can be older than the database: `max_age` + `stale_while_revalidate`. */
  windowMs: number
}

/** Clocks of the writer (token time) and of Hyperdrive's cache may differ this much. */
export const CLOCK_SKEW_MS = 1_000

/** Hyperdrive's defaults, in seconds. */
export const HYPERDRIVE_MAX_AGE = 60
export const HYPERDRIVE_STALE_WHILE_REVALIDATE = 15

/**
 * Whether a connection string (or a pool's options) goes through Hyperdrive: inside workerd a
 * Hyperdrive binding's `connectionString` names the host `<32 hex>.hyperdrive.local`. Locally
 * (`wrangler dev`) it is the `localConnectionString`, which no cache sits in front of.
 */
export const isHyperdriveConnection = (options: unknown): boolean => {
  if (typeof options === 'string') {
    try {
      return new URL(options).hostname.toLowerCase().endsWith('.hyperdrive.local')
    } catch {
      return /\.hyperdrive\.local\b/i.test(options)
    }
  }
  if (!options || typeof options !== 'object') return false
  const { connectionString, host } = options as { connectionString?: unknown; host?: unknown }
  return (
    isHyperdriveConnection(connectionString) ||
    (typeof host === 'string' && host.toLowerCase().endsWith('.hyperdrive.local'))
  )
}

/** Whether Hyperdrive's cache may still answer from before a write made at `newest`. */
export const withinCacheWindow = (cache: HyperdriveCache, newest: number, now: number): boolean =>
  newest > 0 && now - newest < cache.windowMs + CLOCK_SKEW_MS
