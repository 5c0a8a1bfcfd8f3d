import type { CacheEvent } from './types.js'

/**
 * Which results are worth a KV write. A KV write costs ten times a read, and the free plan allows
 * 1,000 a day, while most long-tail results are never read again. Two rules, both per isolate:
 * - the doorkeeper (`admission: 'reused'`): a query is written once this isolate has asked for it
 *   a second time within the entry's TTL. It remembers hashes of the query (its arguments, not the
 *   invalidation tokens), so a query that was popular before a write is written at once after it;
 * - the daily budget (`kvWriteBudget`): past that many KV writes in a UTC day, results stay in
 *   memory only. Token writes count towards it but are never refused: dropping one would serve
 *   stale data in other isolates;
 * - KV's own daily quota (the free plan's 1,000 writes): once KV refuses a write because it is
 *   spent (a `kv-budget` event with `reason: 'quota'`), results stay in memory only until 00:00
 *   UTC, as for the budget, and no fill asks KV again meanwhile.
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
  /** `kvWriteBudget`, when one is set. */
  limit?: number
  /** KV writes this isolate made today (UTC). */
  used: number
  /** Whether fills are memory-only until the next UTC day. */
  exhausted: boolean
  /** Why: this isolate's `kvWriteBudget`, or KV's daily quota (KV refused a write). */
  reason?: 'budget' | 'quota'
  /** When fills go to KV again (the next 00:00 UTC, ISO), while exhausted. */
  until?: string
}

const dayName = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)

export class Admission {
  readonly #options: AdmissionOptions
  /** Query hash → when it was first asked for; insertion order is age. */
  readonly #seen = new Map<string, number>()
  #day = -1
  #used = 0
  #saidExhausted = false
  /** When KV's daily write quota resets, once KV said it is spent. */
  #quotaUntil = 0

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

  /** Whether today's budget or KV's quota is spent (then only token writes go to KV). */
  exhausted(now: number): boolean {
    if (now < this.#quotaUntil) return true
    const limit = this.#options.kvWriteBudget
    if (limit === undefined) return false
    this.#rollOver(now)
    return this.#used >= limit
  }

  /** What it learns from the cache's events: KV writes made, and KV's write quota spent. */
  record(event: CacheEvent, now: number): void {
    if (event.type === 'kv' && event.op === 'write' && event.ok) this.#wrote(now)
    else if (event.type === 'kv-budget' && event.reason === 'quota' && event.op === 'write') {
      this.#quotaUntil = Date.parse(event.until)
    }
  }

  /** Counts one KV write of any kind. */
  #wrote(now: number): void {
    const limit = this.#options.kvWriteBudget
    this.#rollOver(now)
    this.#used++
    if (limit !== undefined && this.#used >= limit && !this.#saidExhausted) {
      this.#saidExhausted = true
      const day = dayName(this.#day)
      this.#options.log(
        'warn',
        `payload-kv-cache: kvWriteBudget of ${limit} KV writes spent for ${day} (UTC) in this isolate; results are cached in memory only until the next UTC day. Invalidations are still written.`,
      )
      this.#options.emit({
        type: 'kv-budget',
        state: 'exhausted',
        reason: 'budget',
        op: 'write',
        limit,
        day,
        until: new Date((this.#day + 1) * DAY_MS).toISOString(),
      })
    }
  }

  #rollOver(now: number): void {
    const day = Math.floor(now / DAY_MS)
    if (day === this.#day) return
    this.#day = day
    this.#used = 0
    this.#saidExhausted = false
  }

  /** Today's budget, or KV's spent quota; `undefined` when there is neither. */
  budget(now: number): BudgetState | undefined {
    const limit = this.#options.kvWriteBudget
    const quota = now < this.#quotaUntil
    if (limit === undefined && !quota) return undefined
    this.#rollOver(now)
    const overBudget = limit !== undefined && this.#used >= limit
    const nextDay = new Date((this.#day + 1) * DAY_MS).toISOString()
    return {
      ...(limit === undefined ? {} : { limit }),
      used: this.#used,
      exhausted: quota || overBudget,
      ...(quota
        ? { reason: 'quota' as const, until: new Date(this.#quotaUntil).toISOString() }
        : overBudget
          ? { reason: 'budget' as const, until: nextDay }
          : {}),
    }
  }
}
