import type { BudgetState } from '../admission.js'
import type { CircuitState } from '../kv/circuit.js'
import type { CacheEvent, KVOperation } from '../types.js'

/** Counters of one collection or global and one read operation. */
export type ReadStats = {
  hits: { memory: number; kv: number }
  misses: number
  /** Of `misses`, those the database answered while a slow KV lookup was still running. */
  hedged: number
  bypasses: number
  stores: number
  skippedForSize: number
  /** Results answered but not stored because JSON would give them back altered. */
  skippedRoundTrip: number
  /** hits / (hits + misses), 0 when nothing was looked up. */
  hitRate: number
}

export type CacheStats = {
  /** Keyed by collection or global slug, then by operation (`find`, `findOne`, ...). */
  reads: Record<string, Record<string, ReadStats>>
  /** Totals over every slug and operation. */
  total: ReadStats
  /**
   * Invalidation events by collection or global slug (`'*'` for flushes): one per invalidated
   * collection or global of a write or an `invalidate` call, however many tokens it replaced.
   */
  invalidations: Record<string, number>
  kv: {
    operations: Record<KVOperation, number>
    /** Failed calls that count towards the circuit: timeouts and errors such as a 5xx. */
    errors: number
    /** Of `errors`, the calls slower than `timeoutMs`. */
    timeouts: number
    /**
     * Writes KV refused with a 429 because another write reached the key within a second
     * (contention on one key, not counted in `errors`): a fill that lost the race to another
     * isolate, or a token write retried later.
     */
    rateLimited: number
    /** Calls KV refused because the day's allowance of that operation is spent (free plan). */
    quotaExceeded: number
    /**
     * Invalidations whose KV put gave up after its bounded retries (event `token-unwritten`):
     * written again with the next invalidation or when KV answers again.
     */
    unwrittenTokens: number
    /** UTF-8 bytes. */
    bytesRead: number
    bytesWritten: number
    circuit: CircuitState
  }
  /**
   * The memory tier's entries and bytes (within `memory.maxBytes`), and beside it what this isolate
   * keeps per token and per query, each within an eighth of `memory.maxBytes` (at least 256 KiB):
   * the invalidation tokens it knows, and the plans of the queries it has seen.
   */
  memory: {
    entries: number
    bytes: number
    tokens: { entries: number; bytes: number }
    plans: { entries: number; bytes: number }
  }
  /**
   * What the KV operations counted above cost at Cloudflare's paid prices (reads $0.50 a million,
   * writes, deletes and lists $5 a million), from this isolate's own counters since the last
   * reset. Reads are billed per key (a bulk get of n keys is n reads). Every call that reached KV
   * counts, failed ones too: an upper bound. Excludes the free allowance and storage.
   */
  cost: { reads: number; writes: number; deletes: number; lists: number; usd: number }
  /** Entries served past their TTL (`staleWhileRevalidate`), and the background reads that replaced them. */
  staleWhileRevalidate: { served: number; refreshed: number; failed: number }
  /**
   * Misses under tokens a lagging layer may not have caught up with (see the README's Deployment
   * topologies): reads moved to the writers' D1 bookmark, read from the primary, served by replicas
   * shown to have caught up, and read but not stored.
   */
  lag: { bookmark: number; primary: number; replica: number; notStored: number }
  /**
   * Reads the database could not answer (`staleIfError`): `served` were answered with an older
   * entry, `refused` got the database's error (none could be served, or the request forbids it).
   */
  staleIfError: { served: number; refused: number }
  /** Results stored in memory but not written to KV (see the `admission` and `kvWriteBudget` options). */
  kvWrites: {
    skipped: { admission: number; budget: number; contention: number }
    /** Today's `kvWriteBudget` in this isolate; absent without one. Not zeroed by a reset. */
    budget?: BudgetState
  }
}

const emptyRead = (): ReadStats => ({
  hits: { memory: 0, kv: 0 },
  misses: 0,
  hedged: 0,
  bypasses: 0,
  stores: 0,
  skippedForSize: 0,
  skippedRoundTrip: 0,
  hitRate: 0,
})

const withRate = (stats: ReadStats): ReadStats => {
  const hits = stats.hits.memory + stats.hits.kv
  const looked = hits + stats.misses
  return { ...stats, hits: { ...stats.hits }, hitRate: looked ? hits / looked : 0 }
}

/** Cloudflare Workers KV, paid plan: reads; writes, deletes and lists each. */
const USD_PER_MILLION = { read: 0.5, write: 5 } as const

/** Statistics are one consumer of the cache's events; counting costs no KV operation. */
export class StatsRecorder {
  /** By slug, then operation: slugs and operation names are interned, their hashes cached. */
  #reads = new Map<string, Map<string, ReadStats>>()
  #invalidations: Record<string, number> = {}
  #kv = this.#emptyKV()
  #skipped = { admission: 0, budget: 0, contention: 0 }
  #stale = { served: 0, refreshed: 0, failed: 0 }
  #lag = { bookmark: 0, primary: 0, replica: 0, notStored: 0 }
  #staleIfError = { served: 0, refused: 0 }

  #emptyKV() {
    return {
      operations: { delete: 0, list: 0, read: 0, write: 0 } as Record<KVOperation, number>,
      keysRead: 0,
      errors: 0,
      timeouts: 0,
      rateLimited: 0,
      quotaExceeded: 0,
      unwrittenTokens: 0,
      bytesRead: 0,
      bytesWritten: 0,
    }
  }

  #read(slug: string, operation: string): ReadStats {
    let bySlug = this.#reads.get(slug)
    if (!bySlug) {
      bySlug = new Map()
      this.#reads.set(slug, bySlug)
    }
    let stats = bySlug.get(operation)
    if (!stats) {
      stats = emptyRead()
      bySlug.set(operation, stats)
    }
    return stats
  }

  record = (event: CacheEvent): void => {
    switch (event.type) {
      case 'hit':
        this.#read(event.slug, event.operation).hits[event.tier]++
        if (event.stale) this.#stale.served++
        break
      case 'revalidate':
        this.#stale[event.ok ? 'refreshed' : 'failed']++
        break
      case 'miss': {
        const stats = this.#read(event.slug, event.operation)
        stats.misses++
        if (event.hedged) stats.hedged++
        break
      }
      case 'stale-if-error':
        this.#staleIfError[event.served ? 'served' : 'refused']++
        break
      case 'bypass':
        this.#read(event.slug, event.operation).bypasses++
        break
      case 'store':
        this.#read(event.slug, event.operation).stores++
        break
      case 'skip-size':
        this.#read(event.slug, event.operation).skippedForSize++
        break
      case 'skip-round-trip':
        this.#read(event.slug, event.operation).skippedRoundTrip++
        break
      case 'invalidate': {
        const slug = event.slug ?? '*'
        this.#invalidations[slug] = (this.#invalidations[slug] ?? 0) + 1
        break
      }
      case 'kv':
        this.#kv.operations[event.op]++
        if (event.op === 'read') this.#kv.keysRead += event.keys ?? 1
        if (event.error === 'rate-limited') this.#kv.rateLimited++
        else if (event.error === 'quota') this.#kv.quotaExceeded++
        else if (!event.ok) {
          this.#kv.errors++
          if (event.timeout) this.#kv.timeouts++
        }
        if (event.bytes) {
          if (event.op === 'read') this.#kv.bytesRead += event.bytes
          if (event.op === 'write') this.#kv.bytesWritten += event.bytes
        }
        break
      case 'kv-skip':
        this.#skipped[event.reason]++
        break
      case 'token-unwritten':
        this.#kv.unwrittenTokens++
        break
      case 'lag':
        this.#lag[event.action === 'not-stored' ? 'notStored' : event.action]++
        break
      case 'topology':
      case 'circuit':
      case 'committed':
      case 'kv-budget':
        break
    }
  }

  snapshot(
    circuit: CircuitState,
    /**
     * The memory tier's entries and bytes (within `memory.maxBytes`), and beside it what this isolate
     * keeps per token and per query, each within an eighth of `memory.maxBytes` (at least 256 KiB):
     * the invalidation tokens it knows, and the plans of the queries it has seen.
     */
    memory: {
      entries: number
      bytes: number
      tokens: { entries: number; bytes: number }
      plans: { entries: number; bytes: number }
    },
    budget: BudgetState | undefined,
  ): CacheStats {
    const reads: CacheStats['reads'] = {}
    const total = emptyRead()
    for (const [slug, bySlug] of this.#reads) {
      for (const [operation, stats] of bySlug) {
        reads[slug] ??= {}
        reads[slug][operation] = withRate(stats)
        total.hits.memory += stats.hits.memory
        total.hits.kv += stats.hits.kv
        total.misses += stats.misses
        total.hedged += stats.hedged
        total.bypasses += stats.bypasses
        total.stores += stats.stores
        total.skippedForSize += stats.skippedForSize
        total.skippedRoundTrip += stats.skippedRoundTrip
      }
    }
    const { keysRead, operations, ...kv } = this.#kv
    return {
      reads,
      total: withRate(total),
      invalidations: { ...this.#invalidations },
      kv: { ...kv, operations: { ...operations }, circuit },
      cost: {
        reads: keysRead,
        writes: operations.write,
        deletes: operations.delete,
        lists: operations.list,
        usd:
          (keysRead * USD_PER_MILLION.read +
            (operations.write + operations.delete + operations.list) * USD_PER_MILLION.write) /
          1e6,
      },
      memory,
      staleWhileRevalidate: { ...this.#stale },
      lag: { ...this.#lag },
      staleIfError: { ...this.#staleIfError },
      kvWrites: { skipped: { ...this.#skipped }, ...(budget ? { budget } : {}) },
    }
  }

  reset(): void {
    this.#reads = new Map()
    this.#invalidations = {}
    this.#kv = this.#emptyKV()
    this.#skipped = { admission: 0, budget: 0, contention: 0 }
    this.#stale = { served: 0, refreshed: 0, failed: 0 }
    this.#lag = { bookmark: 0, primary: 0, replica: 0, notStored: 0 }
    this.#staleIfError = { served: 0, refused: 0 }
  }
}
