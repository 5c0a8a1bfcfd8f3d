import { utf8Bytes } from '../storage/utf8Bytes.js'
import type { CacheEvent, KVBinding, KVOperation } from '../types.js'
import { Circuit, type CircuitState, type Ticket } from './circuit.js'
import { type KVErrorKind, KVTimeoutError, kvErrorKind, nextUTCMidnight } from './kvErrors.js'
import type { KVNamespace } from './kvNamespace.js'

/**
 * Every KV call goes through here: each has a timeout, no call ever throws to the caller, and each
 * failure is told apart (`kvErrors.ts`): a 429 is contention on one key and leaves the circuit
 * alone; an exhausted daily quota skips that kind of call until 00:00 UTC, said once; timeouts and
 * errors count towards the circuit (`circuit.ts`). State changes are logged once, not per request.
 */
export type KVStoreOptions = {
  binding: KVBinding
  timeoutMs: number
  threshold: number
  cooldownMs: number
  emit: (event: CacheEvent) => void
  log: (level: 'error' | 'info' | 'warn', message: string) => void
}

/**
 * What a call came to: its value, or why there is none (`skipped`: not made while the circuit is
 * open; `quota`: refused by KV, or not made because the day's quota is spent).
 */
export type KVOutcome<T> = { ok: true; value: T } | { ok: false; error: KVErrorKind | 'skipped' }

/** Cloudflare's floor for `cacheTtl` on reads, in seconds. */
export const MIN_CACHE_TTL = 30
/** Cloudflare's floor for `expirationTtl` on writes, in seconds. */
export const MIN_EXPIRATION_TTL = 60
/** Keys one bulk get may name. */
export const MAX_BULK_KEYS = 100
const READ_SAMPLES = 32

export const isKVNamespace = (value: unknown): value is KVNamespace =>
  typeof value === 'object' &&
  value !== null &&
  ['get', 'put', 'delete', 'list'].every(
    (method) => typeof (value as Record<string, unknown>)[method] === 'function',
  )

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value

const OPERATION_NAMES: Record<KVOperation, string> = {
  read: 'get()',
  write: 'put()',
  delete: 'delete()',
  list: 'list()',
}

export class KVStore {
  readonly #options: KVStoreOptions
  readonly #circuit: Circuit
  /** Per kind of call, when KV's daily quota for it resets (00:00 UTC), once it was exceeded. */
  readonly #quotaUntil = new Map<KVOperation, number>()
  #bulkGet = true
  #recovered: (() => void) | undefined
  /** Durations of the last successful reads, for the hedge (`read/hedge.ts`). */
  readonly #readMs: number[] = []
  #readAt = 0

  constructor(options: KVStoreOptions) {
    this.#options = options
    this.#circuit = new Circuit(options.threshold, options.cooldownMs, (change) => {
      if (change.state === 'open' && change.failures !== undefined) {
        options.log(
          'warn',
          `payload-kv-cache: KV failed ${change.failures} times in a row (${change.reason}); reading from the database only, and probing KV again within ${options.cooldownMs} ms`,
        )
      }
      if (change.state === 'closed') {
        options.log('info', 'payload-kv-cache: KV is reachable again; cache resumed')
        this.#recovered?.()
      }
      options.emit({
        type: 'circuit',
        state: change.state,
        ...(change.reason === undefined ? {} : { reason: change.reason }),
      })
    })
  }

  /** Called each time KV takes writes again: the circuit closes, or a spent quota resets. */
  onRecovered(listener: () => void): void {
    this.#recovered = listener
  }

  /** `'open'` while KV is skipped after repeated failures, `'half-open'` while one call probes it. */
  get circuit(): CircuitState {
    return this.#circuit.state
  }

  /** Whether a read now would reach KV (not while the circuit is open, nor past the day's quota). */
  get available(): boolean {
    const now = Date.now()
    return this.#circuit.available(now) && !this.#spent('read', now)
  }

  /** Whether a write now would reach KV. */
  get writable(): boolean {
    const now = Date.now()
    return this.#circuit.available(now) && !this.#spent('write', now)
  }

  #spent(op: KVOperation, now: number): boolean {
    const until = this.#quotaUntil.get(op)
    if (until === undefined) return false
    if (now < until) return true
    this.#quotaUntil.delete(op)
    // A new UTC day: what could not be written while the quota was spent can be now.
    if (op === 'write') this.#recovered?.()
    return false
  }

  async #namespace(): Promise<KVNamespace> {
    const { binding } = this.#options
    const kv = typeof binding === 'function' ? await binding() : binding
    if (!isKVNamespace(kv)) {
      throw new TypeError(`the KV binding resolved to ${describe(kv)}, not a KV namespace`)
    }
    return kv
  }

  async #call<T>(
    op: KVOperation,
    run: (kv: KVNamespace) => Promise<T>,
    bytes?: (result: T) => number,
    /** Keys a read names: KV bills a bulk get per key. */
    keys = 1,
  ): Promise<KVOutcome<T>> {
    const started = Date.now()
    // Not asked again before the reset: the answer is known.
    if (this.#spent(op, started)) return { ok: false, error: 'quota' }
    const ticket = this.#circuit.admit(started)
    if (!ticket) return { ok: false, error: 'skipped' }
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new KVTimeoutError(this.#options.timeoutMs)),
          this.#options.timeoutMs,
        )
      })
      const value = await Promise.race([this.#namespace().then(run), timeout])
      this.#circuit.answered(ticket)
      if (op === 'read') this.#noteRead(Date.now() - started)
      this.#options.emit({
        type: 'kv',
        op,
        ok: true,
        ...(op === 'read' ? { keys } : {}),
        durationMs: Date.now() - started,
        bytes: bytes?.(value),
      })
      return { ok: true, value }
    } catch (error) {
      const kind = kvErrorKind(error)
      this.#options.emit({
        type: 'kv',
        op,
        ok: false,
        ...(op === 'read' ? { keys } : {}),
        error: kind,
        timeout: kind === 'timeout',
        durationMs: Date.now() - started,
      })
      this.#settle(ticket, kind, op, error)
      return { ok: false, error: kind }
    } finally {
      clearTimeout(timer)
    }
  }

  #noteRead(ms: number): void {
    this.#readMs[this.#readAt] = ms
    this.#readAt = (this.#readAt + 1) % READ_SAMPLES
  }

  /**
   * How long a read takes when KV answers from this location's cache: the 10th percentile of the
   * last 32 successful reads (hot reads are the fast cluster; a young isolate's reads are mostly
   * cold, so a higher percentile would be a cold read), or `undefined` before 8.
   */
  get hotReadMs(): number | undefined {
    if (this.#readMs.length < 8) return undefined
    const sorted = [...this.#readMs].sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 10)]
  }

  #settle(ticket: Ticket, kind: KVErrorKind, op: KVOperation, error: unknown): void {
    const now = Date.now()
    switch (kind) {
      case 'rate-limited':
        this.#circuit.neutral(ticket)
        return
      case 'quota': {
        this.#circuit.answered(ticket)
        if (this.#spent(op, now)) return
        const until = nextUTCMidnight(now)
        this.#quotaUntil.set(op, until)
        this.#options.log(
          'warn',
          `payload-kv-cache: KV's daily limit of ${OPERATION_NAMES[op]} operations is spent; the cache makes none until ${new Date(until).toISOString()} (00:00 UTC)`,
        )
        this.#options.emit({
          type: 'kv-budget',
          state: 'exhausted',
          reason: 'quota',
          op,
          day: new Date(now).toISOString().slice(0, 10),
          until: new Date(until).toISOString(),
        })
        return
      }
      default:
        this.#circuit.failed(ticket, now, error instanceof Error ? error.message : String(error))
    }
  }

  get(key: string, cacheTtl?: number): Promise<string | null | undefined> {
    const options = cacheTtl
      ? { type: 'text' as const, cacheTtl: Math.max(cacheTtl, MIN_CACHE_TTL) }
      : { type: 'text' as const }
    return this.#call(
      'read',
      (kv) => kv.get(key, options),
      (value) => (value ? utf8Bytes(value) : 0),
    ).then((result) => (result.ok ? result.value : undefined))
  }

  /**
   * Reads keys in one KV operation per 100 (KV's limit for a bulk get); `undefined` when KV could
   * not answer.
   */
  async getMany(
    keys: string[],
    cacheTtl?: number,
  ): Promise<Map<string, string | null> | undefined> {
    if (keys.length > MAX_BULK_KEYS) {
      const parts = []
      for (let i = 0; i < keys.length; i += MAX_BULK_KEYS) {
        parts.push(this.getMany(keys.slice(i, i + MAX_BULK_KEYS), cacheTtl))
      }
      const maps = await Promise.all(parts)
      if (maps.some((map) => map === undefined)) return undefined
      return new Map(maps.flatMap((map) => [...(map as Map<string, string | null>)]))
    }
    if (keys.length === 1 || !this.#bulkGet) {
      const values = await Promise.all(keys.map((key) => this.get(key, cacheTtl)))
      if (values.some((value) => value === undefined)) return undefined
      return new Map(keys.map((key, i) => [key, values[i] as string | null]))
    }
    const options = cacheTtl
      ? { type: 'text' as const, cacheTtl: Math.max(cacheTtl, MIN_CACHE_TTL) }
      : { type: 'text' as const }
    const result = await this.#call(
      'read',
      async (kv) => {
        try {
          return await kv.get(keys, options)
        } catch (error) {
          // Older runtimes have no bulk get: remember, and fall back to one get a key.
          if (error instanceof TypeError) {
            this.#bulkGet = false
            return undefined
          }
          throw error
        }
      },
      (values) => {
        let bytes = 0
        for (const value of (values as Map<string, string | null> | undefined)?.values() ?? []) {
          bytes += value ? utf8Bytes(value) : 0
        }
        return bytes
      },
      keys.length,
    )
    if (!result.ok) return undefined
    if (result.value === undefined) return this.getMany(keys, cacheTtl)
    return result.value as Map<string, string | null>
  }

  /** Writes a key; what came of it (`rate-limited`: another write reached the key within 1 s). */
  put(key: string, value: string, expirationTtl?: number): Promise<KVOutcome<void>> {
    return this.#call(
      'write',
      (kv) =>
        kv.put(
          key,
          value,
          expirationTtl
            ? { expirationTtl: Math.max(expirationTtl, MIN_EXPIRATION_TTL) }
            : undefined,
        ),
      () => utf8Bytes(value),
    )
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#call('delete', (kv) => kv.delete(key))).ok
  }

  async list(
    prefix: string,
    cursor?: string,
  ): Promise<{ keys: string[]; cursor?: string } | undefined> {
    const result = await this.#call('list', (kv) => kv.list({ prefix, cursor }))
    if (!result.ok) return undefined
    const page = result.value
    return {
      keys: page.keys.map((k) => k.name),
      cursor: page.list_complete ? undefined : page.cursor,
    }
  }
}
