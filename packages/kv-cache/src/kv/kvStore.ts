import type { CacheEvent, KVBinding, KVOperation } from '../types.js'
import type { KVNamespace } from './kvNamespace.js'

/**
 * Every KV call goes through here: each has a timeout, no call ever throws to the caller, and after
 * `threshold` consecutive failures KV is skipped for `cooldownMs`, then probed by one call. State
 * changes are logged once, not per request.
 */
export type KVStoreOptions = {
  binding: KVBinding
  timeoutMs: number
  threshold: number
  cooldownMs: number
  emit: (event: CacheEvent) => void
  log: (level: 'error' | 'info' | 'warn', message: string) => void
}

/** Cloudflare's floor for `cacheTtl` on reads, in seconds. */
export const MIN_CACHE_TTL = 30
/** Cloudflare's floor for `expirationTtl` on writes, in seconds. */
export const MIN_EXPIRATION_TTL = 60

class KVTimeoutError extends Error {
  constructor(ms: number) {
    super(`KV call took longer than ${ms} ms`)
  }
}

export const isKVNamespace = (value: unknown): value is KVNamespace =>
  typeof value === 'object' &&
  value !== null &&
  ['get', 'put', 'delete', 'list'].every(
    (method) => typeof (value as Record<string, unknown>)[method] === 'function',
  )

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value

export class KVStore {
  readonly #options: KVStoreOptions
  #failures = 0
  #openUntil = 0
  #probing = false
  #bulkGet = true

  constructor(options: KVStoreOptions) {
    this.#options = options
  }

  /** `'open'` while KV is being skipped after repeated failures. */
  get circuit(): 'closed' | 'open' {
    return this.#openUntil > 0 ? 'open' : 'closed'
  }

  /** Whether a call now would reach KV (false while the circuit is open and not due a probe). */
  get available(): boolean {
    return this.#openUntil === 0 || (Date.now() >= this.#openUntil && !this.#probing)
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
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    if (this.#openUntil) {
      if (Date.now() < this.#openUntil || this.#probing) return { ok: false }
      this.#probing = true
    }
    const started = Date.now()
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new KVTimeoutError(this.#options.timeoutMs)),
          this.#options.timeoutMs,
        )
      })
      const value = await Promise.race([this.#namespace().then(run), timeout])
      this.#succeeded()
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
      const timedOut = error instanceof KVTimeoutError
      this.#options.emit({
        type: 'kv',
        op,
        ok: false,
        ...(op === 'read' ? { keys } : {}),
        timeout: timedOut,
        durationMs: Date.now() - started,
      })
      this.#failed(error)
      return { ok: false }
    } finally {
      clearTimeout(timer)
      this.#probing = false
    }
  }

  #succeeded(): void {
    this.#failures = 0
    if (this.#openUntil) {
      this.#openUntil = 0
      this.#options.log('info', 'payload-kv-cache: KV is reachable again; cache resumed')
      this.#options.emit({ type: 'circuit', state: 'closed' })
    }
  }

  #failed(error: unknown): void {
    this.#failures++
    const reason = error instanceof Error ? error.message : String(error)
    const wasOpen = this.#openUntil > 0
    if (wasOpen || this.#failures >= this.#options.threshold) {
      this.#openUntil = Date.now() + this.#options.cooldownMs
      if (!wasOpen) {
        this.#options.log(
          'warn',
          `payload-kv-cache: KV failed ${this.#failures} times in a row (${reason}); reading from the database only for ${this.#options.cooldownMs} ms, then probing again`,
        )
        this.#options.emit({ type: 'circuit', state: 'open', reason })
      }
    }
  }

  get(key: string, cacheTtl?: number): Promise<string | null | undefined> {
    const options = cacheTtl
      ? { type: 'text' as const, cacheTtl: Math.max(cacheTtl, MIN_CACHE_TTL) }
      : { type: 'text' as const }
    return this.#call(
      'read',
      (kv) => kv.get(key, options),
      (value) => value?.length ?? 0,
    ).then((result) => (result.ok ? result.value : undefined))
  }

  /** Reads up to 100 keys in one KV operation; `undefined` when KV could not answer. */
  async getMany(
    keys: string[],
    cacheTtl?: number,
  ): Promise<Map<string, string | null> | undefined> {
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
          bytes += value?.length ?? 0
        }
        return bytes
      },
      keys.length,
    )
    if (!result.ok) return undefined
    if (result.value === undefined) return this.getMany(keys, cacheTtl)
    return result.value as Map<string, string | null>
  }

  async put(key: string, value: string, expirationTtl?: number): Promise<boolean> {
    const result = await this.#call(
      'write',
      (kv) =>
        kv.put(
          key,
          value,
          expirationTtl
            ? { expirationTtl: Math.max(expirationTtl, MIN_EXPIRATION_TTL) }
            : undefined,
        ),
      () => value.length,
    )
    return result.ok
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
