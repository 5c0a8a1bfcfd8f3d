import type { CacheEvent } from './types.js'

/**
 * Which results are worth a KV write. A KV write costs ten times a read, and the free plan allows
 * 1,000 a day, while most long-tail results are never read again. Two rules, both per isolate:
 * - the doorkeeper (`admission: 'reused'`): a query is written once this isolate has asked for it
 *   a second time within the entry's TTL. It remembers hashes of the query (its arguments, not the
 *   invalidation tokens), so a query that was popular before a write is written at once after it;
 * - the daily budget (`kvWriteBudget`): past that many KV writes in a UTC day, results stay in
 *   memory only. Token writes count towards it but are never refused: dropping one would serve
 *   stale data in other isolates.
 * A wrong answer here costs a miss or a write, never correctness.
 */

/** Query hashes the doorkeeper remembers; the oldest is forgotten first. */
const DOORKEEPER_SIZE = 10_000
const DAY_MS = 86_400_000

export type AdmissionOptions = {
  admission: 'always' | 'reused'
  kvWriteBudget: number | undefined
  emit: (event: CacheEvent) => void
  log: (level: 'error' | 'info' | 'warn', message: string) => void
}

export type BudgetState = {
  /** `kvWriteBudget`. */
  limit: number
  /** KV writes this isolate made today (UTC). */
  used: number
  /** Whether fills are memory-only until the next UTC day. */
  exhausted: boolean
}

const dayName = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)

export class Admission {
  readonly #options: AdmissionOptions
  /** Query hash → when it was first asked for; insertion order is age. */
  readonly #seen = new Map<string, number>()
  #day = -1
  #used = 0
  #saidExhausted = false

  constructor(options: AdmissionOptions) {
    this.#options = options
  }

  /**
   * Notes that `query` was asked for and says whether its result should be written to KV now:
   * `'admission'` when the doorkeeper has not seen it twice within `windowMs`.
   */
  decide(query: string, now: number, windowMs: number): 'budget' | 'admission' | undefined {
    if (this.#options.admission === 'reused') {
      const first = this.#seen.get(query)
      if (first === undefined || now - first > windowMs) {
        this.#seen.delete(query)
        this.#seen.set(query, now)
        if (this.#seen.size > DOORKEEPER_SIZE) {
          this.#seen.delete(this.#seen.keys().next().value as string)
        }
        return 'admission'
      }
    }
    return this.exhausted(now) ? 'budget' : undefined
  }

  /** Whether today's budget is spent (then only token writes go to KV). */
  exhausted(now: number): boolean {
    const limit = this.#options.kvWriteBudget
    if (limit === undefined) return false
    this.#rollOver(now)
    return this.#used >= limit
  }

  /** Counts one KV write of any kind (from the cache's `kv` events). */
  wrote(now: number): void {
    const limit = this.#options.kvWriteBudget
    if (limit === undefined) return
    this.#rollOver(now)
    this.#used++
    if (this.#used >= limit && !this.#saidExhausted) {
      this.#saidExhausted = true
      const day = dayName(this.#day)
      this.#options.log(
        'warn',
        `payload-kv-cache: kvWriteBudget of ${limit} KV writes spent for ${day} (UTC) in this isolate; results are cached in memory only until the next UTC day. Invalidations are still written.`,
      )
      this.#options.emit({ type: 'kv-budget', state: 'exhausted', limit, day })
    }
  }

  #rollOver(now: number): void {
    const day = Math.floor(now / DAY_MS)
    if (day === this.#day) return
    this.#day = day
    this.#used = 0
    this.#saidExhausted = false
  }

  budget(now: number): BudgetState | undefined {
    const limit = this.#options.kvWriteBudget
    if (limit === undefined) return undefined
    this.#rollOver(now)
    return { limit, used: this.#used, exhausted: this.#used >= limit }
  }
}
