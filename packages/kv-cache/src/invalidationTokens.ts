import { type KVStore, MIN_CACHE_TTL } from './kv/kvStore.js'
import { tokenKey } from './storage/storageKeys.js'
import { newTokenValue, snapshotPart, tokenTime, UNWRITTEN } from './storage/tokenValues.js'

/**
 * Invalidation state. Each token (see `storage/tokenNames.ts`) has a current value in KV, a unique random
 * string written by the last write that touched it. A read takes a snapshot of its tokens *before*
 * it reads the database and keys its entry by that snapshot, so:
 * - a write costs one KV put per token, however many entries exist, and no `list`;
 * - there is no read-modify-write: two isolates writing the same token both replace it, and any
 *   value differs from what older entries were keyed by, so nothing is lost or cancelled;
 * - a slow read that started before a write stores its result under the old snapshot, which no
 *   later read looks up: the stale-set race cannot serve old data;
 * - old entries are never deleted, they are orphaned and expire by TTL.
 *
 * This isolate applies its own writes locally at once ("pins"), so read-your-writes holds here even
 * while KV still answers with the old token or the put is being retried.
 */

type Pin = { token: string; until: number }
type TokenState = { kv: string | null; fetchedAt: number; pin?: Pin }

/** Milliseconds a local pin outlives its successful put: KV's propagation bound plus its read cache. */
const PIN_MS = 90_000
/** KV accepts about one write a second to one key. */
const KEY_WRITE_SPACING_MS = 1_000
const MAX_RETRY_MS = 60_000

export type InvalidationTokensOptions = {
  store: KVStore
  namespace: string
  maxStaleMs: number
  timeoutMs: number
  /** Seconds a token key lives in KV: longer than any entry keyed by it. */
  tokenTtl: number
  /** Runs a background promise (waitUntil) or returns false when there is none. */
  background: (promise: Promise<unknown>) => boolean
}

export class InvalidationTokens {
  readonly #options: InvalidationTokensOptions
  readonly #states = new Map<string, TokenState>()
  readonly #fetching = new Map<string, Promise<void>>()
  readonly #writing = new Map<string, Promise<void>>()
  readonly #lastWriteAt = new Map<string, number>()
  /** Set while the adapter is destroyed: puts stop retrying and their timers are cleared. */
  #stopped = false
  readonly #sleeping = new Map<ReturnType<typeof setTimeout>, () => void>()

  constructor(options: InvalidationTokensOptions) {
    this.#options = options
  }

  /** Waits `ms`, or less when `stop()` is called meanwhile. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeping.delete(timer)
        resolve()
      }, ms)
      this.#sleeping.set(timer, resolve)
    })
  }

  /**
   * Stops retrying puts and clears their timers (Payload's `destroy`). Tokens not yet written stay
   * pinned here, so this isolate still reads its own writes; `resume()` writes them.
   * Returns the names of the tokens whose puts had not landed.
   */
  stop(): string[] {
    this.#stopped = true
    for (const [timer, wake] of this.#sleeping) {
      clearTimeout(timer)
      wake()
    }
    this.#sleeping.clear()
    return [...this.#states].filter(([, s]) => s.pin?.until === Infinity).map(([name]) => name)
  }

  /** After `stop()` (Payload's `connect` on hot reload): writes the tokens that did not land. */
  resume(): void {
    if (!this.#stopped) return
    this.#stopped = false
    const unwritten = [...this.#states]
      .filter(([, s]) => s.pin?.until === Infinity)
      .map(([name]) => this.#write(name))
    if (unwritten.length) this.#options.background(Promise.all(unwritten))
  }

  #key(name: string): string {
    return tokenKey(this.#options.namespace, name)
  }

  #effective(state: TokenState, now: number): string {
    const { kv, pin } = state
    if (pin && now < pin.until && kv !== pin.token && tokenTime(kv) <= tokenTime(pin.token)) {
      return pin.token
    }
    return kv ?? UNWRITTEN
  }

  /**
   * Reads tokens from KV, 100 a bulk get; `along` (an entry's key) rides in the first bulk get when
   * there is room, and its value is returned (`undefined` when it was not read).
   */
  async #fetch(names: readonly string[], along?: string): Promise<string | null | undefined> {
    let alongValue: string | null | undefined
    for (let i = 0; i < names.length; i += 100) {
      const chunk = names.slice(i, i + 100)
      const keys = chunk.map((name) => this.#key(name))
      const withAlong = i === 0 && along !== undefined && keys.length < 100
      if (withAlong) keys.push(along)
      const values = await this.#options.store.getMany(keys, MIN_CACHE_TTL)
      if (!values) return undefined
      if (withAlong) alongValue = values.get(along) ?? null
      const now = Date.now()
      for (const name of chunk) {
        const state = this.#states.get(name)
        const kv = values.get(this.#key(name)) ?? null
        if (state) {
          state.kv = kv
          state.fetchedAt = now
        } else {
          this.#states.set(name, { kv, fetchedAt: now })
        }
      }
    }
    return alongValue
  }

  /** What this isolate last knew of these tokens, fresh or not, without asking KV. */
  #known(names: readonly string[], now: number): string | undefined {
    let out = ''
    for (const name of names) {
      const state = this.#states.get(name)
      if (!state) return undefined
      out += snapshotPart(name, this.#effective(state, now))
    }
    return out
  }

  /**
   * The snapshot of these tokens (their current values, as one string to key an entry by) when
   * this isolate knows every one of them freshly enough not to ask KV; else `undefined`. The hot
   * path of a hit: no promise, no allocation but the string.
   */
  fresh(names: readonly string[], now: number): string | undefined {
    let out = ''
    for (const name of names) {
      const state = this.#states.get(name)
      if (!state || now - state.fetchedAt > this.#options.maxStaleMs) return undefined
      out += snapshotPart(name, this.#effective(state, now))
    }
    return out
  }

  /**
   * The snapshot of these tokens, reading from KV those this isolate has not read within
   * `maxStaleMs`; `snapshot` is `undefined` when KV cannot say what is current (then the read must
   * not use the cache). When the tokens must be read from KV, `along(known)` may name one more key
   * to read in the same bulk get (an entry, so that a hit in a fresh isolate is one round trip);
   * `known` is the snapshot this isolate last had, fresh or not, if it had one. `along` is the
   * value of that key: `null` when KV has none, `undefined` when it was not read.
   */
  async snapshot(
    names: readonly string[],
    along?: (known: string | undefined) => string | undefined,
  ): Promise<{ snapshot: string | undefined; along?: string | null }> {
    let now = Date.now()
    let alongValue: string | null | undefined
    const due = names.filter((name) => {
      const state = this.#states.get(name)
      return !state || now - state.fetchedAt > this.#options.maxStaleMs
    })
    if (due.length) {
      const waits: Promise<void>[] = []
      const fresh = due.filter((name) => {
        const pending = this.#fetching.get(name)
        if (pending) waits.push(pending)
        return !pending
      })
      if (fresh.length) {
        const alongKey = along?.(this.#known(names, now))
        const fetching = this.#fetch(fresh, alongKey).finally(() => {
          for (const name of fresh) this.#fetching.delete(name)
        })
        const done = fetching.then(() => undefined)
        for (const name of fresh) this.#fetching.set(name, done)
        waits.push(
          fetching.then((value) => {
            alongValue = value
          }),
        )
      }
      await Promise.all(waits)
      now = Date.now()
    }
    let out = ''
    for (const name of names) {
      const state = this.#states.get(name)
      if (!state || now - state.fetchedAt > this.#options.maxStaleMs * 2) {
        return { snapshot: undefined }
      }
      out += snapshotPart(name, this.#effective(state, now))
    }
    return alongValue === undefined ? { snapshot: out } : { snapshot: out, along: alongValue }
  }

  /**
   * Makes every entry keyed by these tokens stale: at once in this isolate, and in KV with one put
   * per token (spaced one second apart per key, retried with backoff until it lands). `position`
   * (see `storage/tokenValues.ts`) travels in the new values: how far the database had got.
   */
  async bump(names: string[], position?: string): Promise<void> {
    const now = Date.now()
    const immediate: Promise<void>[] = []
    const queued: Promise<void>[] = []
    for (const name of names) {
      const pin = { token: newTokenValue(now, position), until: Number.POSITIVE_INFINITY }
      const state = this.#states.get(name)
      if (state) state.pin = pin
      else this.#states.set(name, { kv: null, fetchedAt: Number.NEGATIVE_INFINITY, pin })
      const startsNow =
        !this.#writing.has(name) && (this.#lastWriteAt.get(name) ?? 0) + KEY_WRITE_SPACING_MS <= now
      ;(startsNow ? immediate : queued).push(this.#write(name))
    }
    // Puts that must wait for KV's one-write-a-second-per-key limit, and retries, never hold up
    // the write that caused them; without waitUntil the first attempt is awaited so that it is not
    // cut off when a Worker's response ends.
    if (queued.length) this.#options.background(Promise.all(queued))
    const first = Promise.all(immediate).then(() => undefined)
    if (!this.#options.background(first)) await this.#firstAttempt(first)
  }

  /** Waits for a put's first attempt (bounded by the KV timeout), not for its retries. */
  async #firstAttempt(writes: Promise<void>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const attempt = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.timeoutMs + 50)
    })
    await Promise.race([writes, attempt])
    clearTimeout(timer)
  }

  /** One writer a key: a bump while a put is in flight is folded into the next put. */
  #write(name: string): Promise<void> {
    const running = this.#writing.get(name)
    if (running) return running.then(() => this.#write(name))
    const writing = this.#put(name).finally(() => this.#writing.delete(name))
    this.#writing.set(name, writing)
    return writing
  }

  async #put(name: string): Promise<void> {
    let delay = KEY_WRITE_SPACING_MS
    for (;;) {
      const state = this.#states.get(name)
      const pin = state?.pin
      if (this.#stopped || !state || !pin || pin.until !== Number.POSITIVE_INFINITY) return
      const wait = (this.#lastWriteAt.get(name) ?? 0) + KEY_WRITE_SPACING_MS - Date.now()
      if (wait > 0) await this.#sleep(wait)
      if (this.#stopped) return
      this.#lastWriteAt.set(name, Date.now())
      const ok = await this.#options.store.put(this.#key(name), pin.token, this.#options.tokenTtl)
      if (ok) {
        // A newer bump while the put was in flight replaced the pin: loop to write that one.
        if (state.pin === pin) {
          pin.until = Date.now() + PIN_MS
          state.kv = pin.token
          return
        }
        continue
      }
      await this.#sleep(delay)
      delay = Math.min(delay * 2, MAX_RETRY_MS)
    }
  }

  /** Waits for every invalidation put in flight (tests, graceful shutdown). */
  async settled(): Promise<void> {
    while (this.#writing.size) await Promise.all(this.#writing.values())
  }
}
