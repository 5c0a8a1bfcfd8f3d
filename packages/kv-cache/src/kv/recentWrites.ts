/**
 * Entry keys this isolate wrote to KV, or saw refused with a 429, in the last moments. KV takes
 * one write a second per key (counted across locations), so:
 * - a key another isolate has just written (our put was refused) is left to that write;
 * - a key this isolate has just written is written again only once the second has passed, with
 *   the newest entry asked for meanwhile (a popular query that misses right after a write).
 * Bounded: a key is forgotten once its window has passed and nothing waits for it.
 */
type Recent = { at: number; refused: boolean }

export class RecentWrites {
  readonly #windowMs: number
  readonly #clock: () => number
  /** Key → last write; insertion order is time order (`note` moves a key to the end). */
  readonly #keys = new Map<string, Recent>()
  /** Key → the newest write waiting for the key's window to pass. */
  readonly #waiting = new Map<string, () => void>()

  constructor(windowMs: number, clock: () => number) {
    this.#windowMs = windowMs
    this.#clock = clock
  }

  get size(): number {
    return this.#keys.size + this.#waiting.size
  }

  /**
   * `'refused'` when another isolate's write to `key` won a moment ago; the milliseconds to wait
   * when this isolate wrote it a moment ago; `undefined` when a put may go now.
   */
  check(key: string): 'refused' | number | undefined {
    const recent = this.#keys.get(key)
    const now = this.#clock()
    if (!recent || now - recent.at >= this.#windowMs) return undefined
    return recent.refused ? 'refused' : recent.at + this.#windowMs - now
  }

  /** A put of `key` is going out now (or was refused: another isolate's write won). */
  note(key: string, refused = false): void {
    const now = this.#clock()
    // A newer write supersedes one still waiting; a refused one says the waiting one would lose.
    this.#waiting.delete(key)
    this.#keys.delete(key)
    this.#keys.set(key, { at: now, refused })
    for (const [oldest, recent] of this.#keys) {
      if (now - recent.at < this.#windowMs) break
      this.#keys.delete(oldest)
    }
  }

  /**
   * Runs `write` once `key`'s window has passed (instead of any write waiting for it already),
   * unless another write to the key comes first. Returns the wait to hand to `waitUntil` when
   * none was waiting, else `undefined`.
   */
  later(key: string, write: () => void): Promise<void> | undefined {
    const first = !this.#waiting.has(key)
    this.#waiting.set(key, write)
    if (!first) return undefined
    const run = async (): Promise<void> => {
      for (;;) {
        const left = this.check(key)
        if (left === 'refused' || !this.#waiting.has(key)) {
          this.#waiting.delete(key)
          return
        }
        if (left === undefined) break
        await new Promise<void>((resolve) => setTimeout(resolve, left))
      }
      const waiting = this.#waiting.get(key)
      this.#waiting.delete(key)
      waiting?.()
    }
    return run()
  }
}
