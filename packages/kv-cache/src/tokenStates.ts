/**
 * What this isolate knows of each invalidation token, bounded in bytes.
 *
 * A read by ID depends on a token of its own document (`c:posts:id:42`), so a crawler that reads
 * 100,000 documents would otherwise leave 100,000 states behind, growing with every document ever
 * read. States are kept under `maxBytes` (beside the memory tier's budget), the least recently used
 * dropped first: a dropped state is read from KV again when a read needs it, and entries keyed by
 * it are found again under the same value. A state holding a pin (this isolate's own write, not
 * yet in KV or not yet seen there by every isolate) is never dropped: read-your-writes rests on it.
 */

/** This isolate's own write of a token: `until` is `Infinity` while its KV put has not landed. */
export type Pin = { token: string; until: number }

export type TokenState = {
  /** The value KV last gave (`null`: none). */
  kv: string | null
  /** When it was read from KV (`-Infinity`: never). */
  fetchedAt: number
  pin?: Pin
  /** Set on use; cleared when an eviction sweep passes it (a second chance). */
  used?: boolean
}

/** Bytes of heap a state costs beyond its strings (a Map entry, the object, the pin). */
const OVERHEAD_BYTES = 160

const sizeOf = (name: string, state: TokenState): number =>
  (name.length + (state.kv?.length ?? 0) + (state.pin?.token.length ?? 0)) * 2 + OVERHEAD_BYTES

export class TokenStates {
  readonly #maxBytes: number
  /** Insertion order is age; a used state is moved to the young end when a sweep reaches it. */
  readonly #states = new Map<string, TokenState>()
  readonly #sizes = new Map<string, number>()
  #bytes = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  get size(): number {
    return this.#states.size
  }

  get bytes(): number {
    return this.#bytes
  }

  get(name: string): TokenState | undefined {
    return this.#states.get(name)
  }

  /** Adds a state, or accounts again for one whose values changed; then keeps to the budget. */
  set(name: string, state: TokenState, now: number): void {
    const before = this.#sizes.get(name)
    if (before !== undefined) this.#bytes -= before
    const size = sizeOf(name, state)
    this.#states.set(name, state)
    this.#sizes.set(name, size)
    this.#bytes += size
    if (this.#bytes > this.#maxBytes) this.#evict(now)
  }

  entries(): IterableIterator<[string, TokenState]> {
    return this.#states.entries()
  }

  #evict(now: number): void {
    // At most two passes: the first clears `used` (moving those states young), the second drops.
    let budget = this.#states.size * 2
    for (const [name, state] of this.#states) {
      if (this.#bytes <= this.#maxBytes || budget-- <= 0) return
      const size = this.#sizes.get(name) ?? 0
      this.#states.delete(name)
      this.#sizes.delete(name)
      if (state.used || (state.pin !== undefined && now < state.pin.until)) {
        state.used = false
        this.#states.set(name, state)
        this.#sizes.set(name, size)
        continue
      }
      this.#bytes -= size
    }
  }
}
