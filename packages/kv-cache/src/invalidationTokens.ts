import { type KVStore, MIN_CACHE_TTL } from './kv/kvStore.js'
import { tokenKey } from './storage/storageKeys.js'
import { newTokenValue, snapshotPart, tokenTime, UNWRITTEN } from './storage/tokenValues.js'
import { type Pin, type TokenState, TokenStates } from './tokenStates.js'
import { TokenWriter } from './tokenWriter.js'

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
 * while KV still answers with the old token or the put is being retried (`tokenWriter.ts`: how
 * the puts are spaced, gathered, retried and given up). What it knows per token is bounded in
 * bytes (`tokenStates.ts`).
 */

/** Milliseconds a local pin outlives its successful put: KV's propagation bound plus its read cache. */
const PIN_MS = 90_000
/** This isolate's own token writes remembered (for `staleIfError`), beyond which a floor stands. */
const MAX_OWN_WRITES = 10_000

export type InvalidationTokensOptions = {
  store: KVStore
  namespace: string
  maxStaleMs: number
  timeoutMs: number
  /** Seconds a token key lives in KV: longer than any entry keyed by it. */
  tokenTtl: number
  /** Bytes the per-token states may take (beside the memory tier). */
  maxBytes: number
  /** Runs a background promise (waitUntil) or returns false when there is none. */
  background: (promise: Promise<unknown>) => boolean
  /** Whether `background` keeps promises alive past a response (`waitUntil` given). */
  waitUntil: boolean
  /** Write operations of this isolate in flight, and when the last one ended. */
  writes: () => { active: number; lastEndedAt: number }
  /** A token's put gave up: logged and reported by the caller. */
  gaveUp: (name: string, reason: string, attempts: number) => void
}

export class InvalidationTokens {
  readonly #options: InvalidationTokensOptions
  readonly #states: TokenStates
  readonly #fetching = new Map<string, Promise<void>>()
  readonly #writer: TokenWriter
  /** Tokens whose puts gave up: written again with the next bump, or when KV answers again. */
  readonly #unwritten = new Set<string>()
  /** When this isolate last replaced each token (oldest first), for `staleIfError`. */
  readonly #ownWrites = new Map<string, number>()
  /** Own writes forgotten beyond `MAX_OWN_WRITES` are taken to be this recent. */
  #ownWritesFloor = 0
  #changes = 0

  constructor(options: InvalidationTokensOptions) {
    this.#options = options
    this.#states = new TokenStates(options.maxBytes)
    this.#writer = new TokenWriter({
      put: (name, token) => options.store.put(this.#key(name), token, options.tokenTtl),
      pending: (name) => {
        const pin = this.#states.get(name)?.pin
        return pin && pin.until === Number.POSITIVE_INFINITY ? pin : undefined
      },
      landed: (name, pin) => {
        const state = this.#states.get(name)
        this.#unwritten.delete(name)
        if (!state || state.pin !== pin) return
        pin.until = Date.now() + PIN_MS
        state.kv = pin.token
        this.#states.set(name, state, Date.now())
      },
      gaveUp: (name, reason, attempts) => {
        this.#unwritten.add(name)
        options.gaveUp(name, reason, attempts)
      },
      writes: options.writes,
      gather: options.waitUntil,
    })
    options.store.onRecovered(() => this.#rewrite([...this.#unwritten]))
  }

  /** Per-token states kept, and the bytes they take. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#states.size, bytes: this.#states.bytes }
  }

  /** Moves on with every bump in this isolate: reads merged across it would miss a write. */
  get changes(): number {
    return this.#changes
  }

  /**
   * Stops retrying puts and clears their timers (Payload's `destroy`). Tokens not yet written stay
   * pinned here, so this isolate still reads its own writes; `resume()` writes them.
   * Returns the names of the tokens whose puts had not landed.
   */
  stop(): string[] {
    this.#writer.stop()
    return this.#pinnedUnwritten()
  }

  /** After `stop()` (Payload's `connect` on hot reload): writes the tokens that did not land. */
  resume(): void {
    if (!this.#writer.stopped) return
    this.#writer.resume()
    this.#rewrite(this.#pinnedUnwritten())
  }

  #pinnedUnwritten(): string[] {
    const out: string[] = []
    for (const [name, state] of this.#states.entries()) {
      if (state.pin?.until === Number.POSITIVE_INFINITY) out.push(name)
    }
    return out
  }

  /** Writes these tokens again: their puts gave up, or were stopped by a hot reload. */
  #rewrite(names: readonly string[]): void {
    for (const name of names) this.#unwritten.delete(name)
    if (!names.length || this.#writer.stopped) return
    this.#options.background(Promise.all(names.map((name) => this.#writer.write(name))))
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
        const kv = values.get(this.#key(name)) ?? null
        const state = this.#states.get(name) ?? { kv, fetchedAt: now }
        state.kv = kv
        state.fetchedAt = now
        this.#states.set(name, state, now)
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
      state.used = true
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
      state.used = true
      out += snapshotPart(name, this.#effective(state, now))
    }
    return alongValue === undefined ? { snapshot: out } : { snapshot: out, along: alongValue }
  }

  /**
   * When this isolate last replaced any of these tokens (0: never, as far as it remembers), for
   * `staleIfError`: an entry stored before it predates this isolate's own write.
   */
  lastOwnWrite(names: readonly string[]): number {
    let last = this.#ownWritesFloor
    for (const name of names) last = Math.max(last, this.#ownWrites.get(name) ?? 0)
    return last
  }

  #noteOwnWrite(name: string, now: number): void {
    this.#ownWrites.delete(name)
    this.#ownWrites.set(name, now)
    if (this.#ownWrites.size > MAX_OWN_WRITES) {
      const [oldest, at] = this.#ownWrites.entries().next().value as [string, number]
      this.#ownWrites.delete(oldest)
      this.#ownWritesFloor = Math.max(this.#ownWritesFloor, at)
    }
  }

  /** Whether `value` is this isolate's own write of the token (a pin it made, still held). */
  readonly own = (name: string, value: string): boolean =>
    this.#states.get(name)?.pin?.token === value

  /**
   * Makes every entry keyed by these tokens stale: at once in this isolate, and in KV with one put
   * per token (see `tokenWriter.ts`). `position` (see `storage/tokenValues.ts`) travels in the new
   * values: how far the database had got.
   */
  async bump(names: string[], position?: string): Promise<void> {
    const now = Date.now()
    this.#changes++
    const writes: Promise<void>[] = []
    const startingNow: Promise<void>[] = []
    for (const name of names) {
      const pin: Pin = { token: newTokenValue(now, position), until: Number.POSITIVE_INFINITY }
      const state = this.#states.get(name) ?? { kv: null, fetchedAt: Number.NEGATIVE_INFINITY }
      state.pin = pin
      this.#states.set(name, state, now)
      this.#noteOwnWrite(name, now)
      this.#unwritten.delete(name)
      if (this.#writer.stopped) continue
      const immediate = this.#writer.startsNow(name)
      const write = this.#writer.write(name)
      writes.push(write)
      if (immediate) startingNow.push(write)
    }
    // Tokens whose puts gave up earlier go along with this one.
    if (this.#unwritten.size) this.#rewrite([...this.#unwritten])
    // Retries never hold up the write that caused them, nor do puts spaced behind a put of the
    // same token a moment ago (a second of latency on every quick write otherwise). Without
    // waitUntil, the first attempt of the puts that start now is awaited, so that it is not cut
    // off when a Worker's response ends; the spaced ones run on, as retries do.
    const all = Promise.all(writes).then(() => undefined)
    if (!this.#options.background(all)) {
      await this.#firstAttempt(Promise.all(startingNow).then(() => undefined))
    }
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

  /** Waits for every invalidation put in flight (tests, graceful shutdown). */
  async settled(): Promise<void> {
    await this.#writer.settled()
  }
}
