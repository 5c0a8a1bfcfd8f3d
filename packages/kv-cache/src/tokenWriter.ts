import type { KVOutcome } from './kv/kvStore.js'
import type { Pin } from './tokenStates.js'

/**
 * Writes this isolate's invalidations to KV so that other isolates see them — and then stops.
 *
 * - **One put a key at a time, spaced.** KV takes one write a second per key; puts of one token
 *   start at least 1.1 s after the previous one *ended* (the margin covers the time a put takes to
 *   reach KV), and a bump while a put is in flight is folded into the next put.
 * - **One wave per save.** With `waitUntil`, a token's first put waits until this isolate has had
 *   no write operation in flight for 50 ms (at most 1 s): the writes of one save — a document, then
 *   its version on a drafts-enabled collection — replace each token once in KV, so other isolates
 *   miss once, not twice.
 * - **Retries that end.** A put that fails (a 429 from another isolate's write, a 5xx, a timeout,
 *   the circuit open) is tried again after a jittered backoff, from 1.1 s doubling up to 8 s, at
 *   most 6 attempts, and never later than 20 s after the invalidation: well within the 30 s
 *   `waitUntil` gives a request. A success resets the backoff. Each invalidation's attempts run in
 *   the request that made it: a later invalidation is never queued behind a sleeping retry.
 * - **Past that** (KV failing for 20 s, or its daily write quota spent) the token stays pinned in
 *   this isolate — its own reads still see the write — and is written again with this isolate's
 *   next invalidation, or as soon as KV answers again (the circuit closes). Until then other
 *   isolates may serve entries keyed by the old token, until their TTL. Said in the log and by a
 *   `token-unwritten` event.
 */
export const SPACING_MS = 1_100
const GATHER_QUIET_MS = 50
const GATHER_MAX_MS = 1_000
const FIRST_RETRY_MS = SPACING_MS
const MAX_RETRY_MS = 8_000
const MAX_ATTEMPTS = 6
export const WRITE_DEADLINE_MS = 20_000

export type TokenWriterOptions = {
  /** The put itself (through `KVStore`: timeouts, the circuit, errors told apart). */
  put: (name: string, token: string) => Promise<KVOutcome<void>>
  /** The pin still to be written for this token, if any. */
  pending: (name: string) => Pin | undefined
  /** The pin's put landed. */
  landed: (name: string, pin: Pin) => void
  /** Attempts ended without landing (`reason`: the last failure). */
  gaveUp: (name: string, reason: string, attempts: number) => void
  /** Write operations of this isolate in flight, and when the last one ended (`performance.now()`). */
  writes: () => { active: number; lastEndedAt: number }
  /** Whether puts wait for the writes of one operation to end (only with `waitUntil`). */
  gather: boolean
  random?: () => number
}

/**
 * Intervals are measured on a monotonic clock: `Date` may be moved by tests (and on Workers only
 * advances with I/O, as `performance.now()` does).
 */
export const clock = (): number => performance.now()

/** Per token: the put in flight, when the last one ended, since when a pin waits. */
type Slot = { inFlight?: Promise<void>; lastEndedAt: number; waitingSince?: number }

/** Full jitter between the spacing and the doubled backoff. */
const backoff = (failures: number, random: () => number): number => {
  const ceiling = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS)
  return FIRST_RETRY_MS + random() * Math.max(0, ceiling - FIRST_RETRY_MS)
}

export class TokenWriter {
  readonly #options: TokenWriterOptions
  readonly #slots = new Map<string, Slot>()
  readonly #tasks = new Set<Promise<void>>()
  readonly #sleeping = new Map<ReturnType<typeof setTimeout>, () => void>()
  #stopped = false

  constructor(options: TokenWriterOptions) {
    this.#options = options
  }

  get stopped(): boolean {
    return this.#stopped
  }

  /** Writes the token's pending pin: this invalidation's own bounded attempts. */
  /**
   * Whether a put of this token would start at once: none in flight, and none ended within the
   * spacing. (With `gather`, the first put also waits for the operation's writes; callers that
   * gather never wait for the put.)
   */
  startsNow(name: string): boolean {
    const slot = this.#slots.get(name)
    return !slot || (!slot.inFlight && clock() - slot.lastEndedAt >= SPACING_MS)
  }

  write(name: string): Promise<void> {
    const task = this.#attempts(name, clock() + WRITE_DEADLINE_MS).finally(() => {
      this.#tasks.delete(task)
      this.#prune(name)
    })
    this.#tasks.add(task)
    return task
  }

  /** Stops every attempt and clears its timers (Payload's `destroy`). */
  stop(): void {
    this.#stopped = true
    for (const [timer, wake] of this.#sleeping) {
      clearTimeout(timer)
      wake()
    }
    this.#sleeping.clear()
  }

  resume(): void {
    this.#stopped = false
  }

  /** Resolves when no attempt is running. */
  async settled(): Promise<void> {
    while (this.#tasks.size) await Promise.all(this.#tasks)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeping.delete(timer)
        resolve()
      }, ms)
      this.#sleeping.set(timer, resolve)
    })
  }

  #slot(name: string): Slot {
    let slot = this.#slots.get(name)
    if (!slot) {
      slot = { lastEndedAt: 0 }
      this.#slots.set(name, slot)
    }
    return slot
  }

  /** Forgets a slot once nothing about it matters any more (per-token state stays bounded). */
  #prune(name: string): void {
    const slot = this.#slots.get(name)
    if (slot && !slot.inFlight && clock() - slot.lastEndedAt >= SPACING_MS) {
      if (!this.#options.pending(name)) this.#slots.delete(name)
    }
  }

  /** When the writes of the operation that made this pin are probably over. */
  #gatheredAt(slot: Slot, now: number): number {
    if (!this.#options.gather) return now
    slot.waitingSince ??= now
    const { active, lastEndedAt } = this.#options.writes()
    const quiet = active > 0 ? now + GATHER_QUIET_MS : lastEndedAt + GATHER_QUIET_MS
    return Math.min(quiet, slot.waitingSince + GATHER_MAX_MS)
  }

  async #attempts(name: string, deadline: number): Promise<void> {
    const random = this.#options.random ?? Math.random
    let failures = 0
    let last = 'skipped'
    for (;;) {
      if (this.#stopped) return
      const pin = this.#options.pending(name)
      if (!pin) return
      const slot = this.#slot(name)
      if (slot.inFlight) {
        await slot.inFlight
        continue
      }
      const now = clock()
      const ready = Math.max(slot.lastEndedAt + SPACING_MS, this.#gatheredAt(slot, now))
      if (ready > now) {
        await this.#sleep(ready - now)
        continue
      }
      let release!: () => void
      slot.inFlight = new Promise((resolve) => {
        release = resolve
      })
      let outcome: KVOutcome<void>
      try {
        outcome = await this.#options.put(name, pin.token)
      } finally {
        slot.lastEndedAt = clock()
        slot.inFlight = undefined
        release()
      }
      if (outcome.ok) {
        slot.waitingSince = undefined
        this.#options.landed(name, pin)
        failures = 0
        continue // a newer bump may have replaced the pin meanwhile
      }
      failures++
      last = outcome.error
      const wait = backoff(failures, random)
      if (outcome.error === 'quota' || failures >= MAX_ATTEMPTS || clock() + wait > deadline) {
        if (this.#options.pending(name) === pin) this.#options.gaveUp(name, last, failures)
        return
      }
      await this.#sleep(wait)
    }
  }
}
