/**
 * The in-isolate tier: a byte-bounded LRU of serialized results. Values are strings, so every
 * caller parses its own copy and nothing a caller mutates can reach the next one.
 */
export type MemoryEntry = {
  data: string
  expiresAt: number
  /** Whether the entry is in KV too (read from it, or written to it); see `admission.ts`. */
  kv?: boolean
}

export class MemoryTier {
  readonly #maxBytes: number
  readonly #entries = new Map<string, MemoryEntry & { bytes: number }>()
  #bytes = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
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

  /** The entry, also when past `expiresAt` by less than `staleMs` (stale-while-revalidate). */
  get(key: string, now: number, staleMs = 0): MemoryEntry | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    if (entry.expiresAt + staleMs <= now) {
      this.#bytes -= entry.bytes
      return undefined
    }
    this.#entries.set(key, entry) // most recently used last
    return entry
  }

  /** Whether `get` would find it, without touching the LRU order. */
  has(key: string, now: number, staleMs = 0): boolean {
    const entry = this.#entries.get(key)
    return entry !== undefined && entry.expiresAt + staleMs > now
  }

  set(key: string, entry: MemoryEntry): void {
    // Strings are UTF-16 in V8: two bytes a character is the honest upper bound.
    const bytes = (key.length + entry.data.length) * 2 + 64
    if (bytes > this.#maxBytes) return
    this.delete(key)
    this.#entries.set(key, { ...entry, bytes })
    this.#bytes += bytes
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= old.bytes
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}
