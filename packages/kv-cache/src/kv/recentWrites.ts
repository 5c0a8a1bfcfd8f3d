/**
 * Entry keys this isolate wrote to KV, or saw refused with a 429, in the last moments. KV takes
 * one write a second per key (counted across locations), so:
 * - a key another isolate has just written (our put was refused) is left to that write;
 * - a key this isolate has just written is written again only once the second has passed, with
 *   the newest entry asked for meanwhile (a popular query that misses right after a write).
 * Bounded: a key is forgotten once its window has passed and nothing waits for it.
 */
type Recent = { at: number; refused: boolean; waiting?: () => void }

export class RecentWrites {
  readonly #windowMs: number
  /** Key → last write; insertion order is time order (`note` moves a key to the end). */
  readonly #keys = new Map<string, Recent>()

  constructor(windowMs: number) {
    this.#windowMs = windowMs
  }

  get size(): number {
    return this.#keys.size
  }

  /**
   * `'refused'` when another isolate's write to `key` won a moment ago; the milliseconds to wait
   * when this isolate wrote it a moment ago; `undefined` when a put may go now.
   */
  check(key: string, now: number): 'refused' | number | undefined {
    const recent = this.#keys.get(key)
    if (!recent || now - recent.at >= this.#windowMs) return undefined
    return recent.refused ? 'refused' : recent.at + this.#windowMs - now
  }

  note(key: string, now: number, refused = false): void {
    const waiting = this.#keys.get(key)?.waiting
    this.#keys.delete(key)
    this.#keys.set(key, { at: now, refused, ...(waiting ? { waiting } : {}) })
    for (const [oldest, recent] of this.#keys) {
      if (now - recent.at < this.#windowMs || recent.waiting) break
      this.#keys.delete(oldest)
    }
  }

  /**
   * Runs `write` once `key`'s window has passed, instead of any write waiting for it already.
   * Returns the wait to hand to `waitUntil` when none was waiting, else `undefined`.
   */
  later(key: string, delayMs: number, write: () => void): Promise<void> | undefined {
    const recent = this.#keys.get(key)
    if (!recent) {
      write()
      return undefined
    }
    const first = recent.waiting === undefined
    recent.waiting = write
    if (!first) return undefined
    return new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
      const waiting = recent.waiting
      recent.waiting = undefined
      waiting?.()
    })
  }
}
