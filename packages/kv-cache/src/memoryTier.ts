/**
 * The in-isolate tier: a byte-bounded LRU of serialized results, one entry per query (its
 * identity without the tokens, `storage/entryFormat.ts` `queryIdentity`), stored with the
 * invalidation snapshot it was read under. A lookup finds it only under that very snapshot, so an
 * invalidated entry is never served; the next fill of the query replaces it, so stale entries do
 * not linger until the LRU drops them. Values are strings, so every caller parses its own copy and
 * nothing a caller mutates can reach the next one.
 */
export type MemoryEntry = {
  data: string
  expiresAt: number
  /** When its result was read from the database (the read began). */
  storedAt: number
  /** Whether the entry is in KV too (read from it, or written to it); see `admission.ts`. */
  kv?: boolean
}

type Slot = MemoryEntry & { snapshot: string; bytes: number }

export class MemoryTier {
  readonly #maxBytes: number
  /** How long past its expiry an entry is kept (`staleWhileRevalidate`, `staleIfError`). */
  readonly #keepMs: number
  readonly #entries = new Map<string, Slot>()
  #bytes = 0

  constructor(maxBytes: number, keepMs = 0) {
    this.#maxBytes = maxBytes
    this.#keepMs = keepMs
  }

  get enabled(): boolean {
    return this.#maxBytes > 0
  }

  get bytes(): number {
    return this.#bytes
  }

  get size(): number {
    return this.#entries.size
  }

  /**
   * The query's entry under `snapshot`, also when past `expiresAt` by less than `staleMs`
   * (stale-while-revalidate). An expired one is dropped.
   */
  get(query: string, snapshot: string, now: number, staleMs = 0): MemoryEntry | undefined {
    const slot = this.#entries.get(query)
    if (!slot || slot.snapshot !== snapshot) return undefined
    if (slot.expiresAt + Math.max(staleMs, this.#keepMs) <= now) {
      this.delete(query)
      return undefined
    }
    if (slot.expiresAt + staleMs <= now) return undefined
    this.#entries.delete(query)
    this.#entries.set(query, slot) // most recently used last
    return slot
  }

  /**
   * The query's entry under whatever snapshot it has, expired or not, without touching the LRU
   * order: what `staleIfError` may fall back on.
   */
  peek(query: string): (MemoryEntry & { snapshot: string }) | undefined {
    return this.#entries.get(query)
  }

  /** Whether `get` would find it, without touching the LRU order. */
  has(query: string, snapshot: string, now: number, staleMs = 0): boolean {
    const slot = this.#entries.get(query)
    return slot !== undefined && slot.snapshot === snapshot && slot.expiresAt + staleMs > now
  }

  /** Stores the query's entry under `snapshot`, replacing the one it had under any snapshot. */
  set(query: string, snapshot: string, entry: MemoryEntry): void {
    // Strings are UTF-16 in V8: two bytes a character is the honest upper bound.
    const bytes = (query.length + snapshot.length + entry.data.length) * 2 + 96
    this.delete(query)
    if (bytes > this.#maxBytes) return
    this.#entries.set(query, { ...entry, snapshot, bytes })
    this.#bytes += bytes
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= old.bytes
    }
  }

  /** Notes that the query's entry under `snapshot` is in KV (or left to a newer write there). */
  markWritten(query: string, snapshot: string): void {
    const slot = this.#entries.get(query)
    if (slot?.snapshot === snapshot) slot.kv = true
  }

  delete(query: string): void {
    const slot = this.#entries.get(query)
    if (!slot) return
    this.#entries.delete(query)
    this.#bytes -= slot.bytes
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}
