import pg from 'pg'

/**
 * A double of Hyperdrive's query cache, where the real one cannot run (it exists only in
 * Cloudflare's network; `wrangler dev` connects straight to the database). Pass it as
 * `postgresAdapter({ pg: hyperdrivePg(...) })`: pools whose connection string `cached` picks answer
 * read queries from a cache as Hyperdrive does
 * (developers.cloudflare.com/hyperdrive/concepts/query-caching/):
 * - a read (`SELECT`, without a volatile function such as `pg_last_wal_replay_lsn()`) is answered
 *   from the cache for `maxAgeMs` after it was fetched, then for `staleMs` more while one refresh
 *   runs in the background; after that it is fetched again;
 * - writes pass through and never invalidate anything;
 * - queries on a client checked out of the pool (transactions) pass through.
 * Other pools are plain `pg` pools: an uncached Hyperdrive configuration, or the database itself.
 */
export type HyperdriveCacheOptions = {
  /** Which connections go through the caching configuration. */
  cached: (connectionString: string) => boolean
  maxAgeMs: number
  staleMs: number
}

export type HyperdriveDouble = {
  /** What `postgresAdapter({ pg })` takes: `pg` with a caching `Pool`. */
  pg: typeof pg
  /** Reads answered from the cache (fresh or stale), and fetched. */
  counts: { cached: number; fetched: number }
}

type Entry = { at: number; result: unknown; refreshing?: boolean }
type PgResult = {
  command: string
  rowCount: number
  oid: number
  rows: unknown[]
  fields: unknown[]
}

/** What is kept of a result: its data, not pg's parsers (functions). */
const keep = (result: unknown) => {
  const { command, rowCount, oid, rows, fields } = result as PgResult
  return structuredClone({ command, rowCount, oid, rows, fields })
}
type QueryConfig = { text: string; values?: unknown[]; rowMode?: string; name?: string }

const VOLATILE = /\b(pg_[a-z_]+|now|random|nextval|lastval|currval|clock_timestamp)\s*\(/i

export function hyperdrivePg(options: HyperdriveCacheOptions): HyperdriveDouble {
  const cache = new Map<string, Entry>()
  const counts = { cached: 0, fetched: 0 }

  class HyperdrivePool extends pg.Pool {
    readonly #cached: boolean

    constructor(config?: pg.PoolConfig) {
      super(config)
      this.#cached = options.cached(config?.connectionString ?? '')
    }

    // pg's overloads, collapsed: drizzle calls `query(config, values)`.
    override query(...args: unknown[]): never {
      const [first, second] = args
      const config: QueryConfig | undefined =
        typeof first === 'string'
          ? { text: first, values: second as unknown[] }
          : first && typeof first === 'object' && 'text' in first
            ? {
                ...(first as QueryConfig),
                values: (second as unknown[]) ?? (first as QueryConfig).values,
              }
            : undefined
      const fetch = () => (super.query as (...a: unknown[]) => Promise<unknown>).apply(this, args)
      if (
        !this.#cached ||
        !config ||
        typeof args.at(-1) === 'function' ||
        !/^\s*select\b/i.test(config.text) ||
        VOLATILE.test(config.text)
      ) {
        return fetch() as never
      }
      const key = JSON.stringify([config.text, config.values ?? [], config.rowMode ?? null])
      const now = Date.now()
      const entry = cache.get(key)
      if (entry && now - entry.at < options.maxAgeMs + options.staleMs) {
        counts.cached++
        if (now - entry.at >= options.maxAgeMs && !entry.refreshing) {
          entry.refreshing = true
          fetch().then(
            (result) => cache.set(key, { at: Date.now(), result: keep(result) }),
            () => {
              entry.refreshing = false
            },
          )
        }
        return Promise.resolve(structuredClone(entry.result)) as never
      }
      counts.fetched++
      return fetch().then((result) => {
        cache.set(key, { at: Date.now(), result: keep(result) })
        return result
      }) as never
    }
  }

  return { pg: { ...pg, Pool: HyperdrivePool } as unknown as typeof pg, counts }
}
