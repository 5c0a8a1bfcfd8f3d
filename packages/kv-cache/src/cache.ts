import type { Payload } from 'payload'
import { Admission } from './admission.js'
import { controlFor } from './control.js'
import { databaseIdentity, entryScope } from './database.js'
import { Dependencies, idFromWhere, type WriteDescription } from './dependencies.js'
import { encodeKey } from './encodeKey.js'
import { KVCacheConfigError, KVCacheMissError } from './errors.js'
import { Invalidation } from './invalidation.js'
import { fingerprint, kvKey, sha256 } from './key.js'
import { KVStore } from './kvStore.js'
import type { InvalidationTarget } from './manage.js'
import { type MemoryEntry, MemoryTier } from './memoryTier.js'
import type { MethodSpec, ReadMethodName, ReadTarget } from './methods.js'
import { type ResolvedOptions, resolvePolicies, type ScopePolicies } from './options.js'
import { installRequestHooks, RequestContexts, type RequestLike } from './requestContext.js'
import { schemaFingerprint } from './schema.js'
import { parseResult, serializeResult } from './serializeResult.js'
import { type CacheStats, debugLine, StatsRecorder } from './stats.js'
import { PendingInvalidations, type TransactionID, transactionOf } from './transactions.js'
import type { BypassReason, CacheEvent, KVBinding } from './types.js'

type Args = Record<string, unknown> & { req?: unknown }
type Call = () => Promise<unknown>

type PurgeCursor = { c?: string; k: string[]; d: boolean }

const parseCursor = (cursor: string): PurgeCursor => {
  try {
    const state = JSON.parse(cursor) as PurgeCursor
    if (
      Array.isArray(state.k) &&
      state.k.every((key) => typeof key === 'string') &&
      typeof state.d === 'boolean' &&
      (state.c === undefined || typeof state.c === 'string')
    ) {
      return state
    }
  } catch {
    // reported below
  }
  throw new KVCacheConfigError('purge cursor is not one that purge returned')
}

/** Format marker of stored entries: bump when the entry layout changes. */
const ENTRY_VERSION = 'e2'

/** What the wrapped adapter says about itself: how it stores ids. */
export type AdapterInfo = {
  name?: string
  defaultIDType?: string
  idType?: unknown
  /** PostgreSQL adapters: the pool's options (where the database is). */
  poolOptions?: unknown
  /** sqlite adapters: the libsql client's options. */
  clientConfig?: unknown
}

const slugOf = (target: ReadTarget | WriteDescription['target'], args: Args): string =>
  String(
    target === 'collection' || target === 'collectionVersions'
      ? (args.collection ?? args.collectionSlug ?? '')
      : (args.slug ?? args.global ?? args.globalSlug ?? ''),
  )

const idOf = (value: unknown): number | string | undefined => {
  const id = (value as { id?: unknown } | null | undefined)?.id
  return typeof id === 'string' || typeof id === 'number' ? id : undefined
}

/**
 * The documents a write may have changed, as given and as stored, or `undefined` when not known
 * (then every by-ID read of the collection is stale). The adapters prefer `where` to `id` when
 * both are given, and a result that carries ids names the documents exactly; a failed write may
 * still have changed the document it was pinned to.
 */
const writtenIDs = (args: Args, result: unknown): unknown[] | undefined => {
  const ids: unknown[] = args.id === undefined ? [] : [args.id]
  const pinned = args.where === undefined || args.where === null ? args.id : idFromWhere(args.where)
  let known = pinned !== undefined
  if (pinned !== undefined) ids.push(pinned)
  if (result !== undefined && result !== null) {
    const docs = Array.isArray(result) ? result : [result]
    const stored = docs.map(idOf)
    if (stored.every((id) => id !== undefined)) {
      ids.push(...stored)
      known = true
    }
  }
  return known ? ids : undefined
}

/**
 * One cache per Payload instance: the read path, the write path and the transaction glue. The
 * adapter wrapper (`withKVCache.ts`) routes each classified method here.
 */
export class KVCache {
  readonly #options: ResolvedOptions
  readonly #payload: Payload
  readonly #adapter: AdapterInfo
  readonly #store: KVStore
  readonly #memory: MemoryTier
  readonly #invalidation: Invalidation
  readonly #stats = new StatsRecorder()
  readonly #pending = new PendingInvalidations()
  readonly #contexts = new RequestContexts()
  readonly #inflight = new Map<string, Promise<string | undefined>>()
  // From the sanitized config; rebuilt when a hot reload hands Payload a new one (see `init`).
  #config!: Payload['config']
  #policies!: ScopePolicies
  #dependencies!: Dependencies
  #schema!: string
  readonly #maxTtl: number
  readonly #admission: Admission
  /** `staleWhileRevalidate` in milliseconds. */
  readonly #staleMs: number

  constructor(
    payload: Payload,
    binding: KVBinding,
    options: ResolvedOptions,
    adapter: AdapterInfo,
  ) {
    this.#payload = payload
    this.#options = options
    this.#adapter = adapter
    this.#configure()
    this.#maxTtl = Math.max(
      options.ttl,
      ...this.#policies.collections.values(),
      ...this.#policies.globals.values(),
    )
    this.#store = new KVStore({
      binding,
      timeoutMs: options.timeoutMs,
      threshold: options.circuitThreshold,
      cooldownMs: options.circuitCooldownMs,
      emit: this.emit,
      log: this.#log,
    })
    this.#memory = new MemoryTier(options.memoryMaxBytes)
    this.#staleMs = options.staleWhileRevalidate * 1000
    this.#admission = new Admission({
      admission: options.admission,
      kvWriteBudget: options.kvWriteBudget,
      emit: this.emit,
      log: this.#log,
    })
    this.#invalidation = new Invalidation({
      store: this.#store,
      namespace: options.namespace,
      maxStaleMs: options.maxStaleMs,
      timeoutMs: options.timeoutMs,
      // Tokens must outlive every entry keyed by them, or an expired token would revive old entries.
      tokenTtl: this.#maxTtl + options.staleWhileRevalidate + 86_400,
      background: this.#background,
    })
  }

  /** Policies, dependencies, schema fingerprint and request hooks, from `payload.config`. */
  #configure(): void {
    const config = this.#payload.config
    if (config === this.#config) return
    this.#config = config
    this.#policies = resolvePolicies(this.#options, config)
    this.#dependencies = new Dependencies(config, this.#adapter, {
      collections: this.#policies.collections.keys(),
      globals: this.#policies.globals.keys(),
    })
    this.#schema = entryScope(schemaFingerprint(config), databaseIdentity(this.#adapter))
    installRequestHooks(
      config.collections as never,
      new Set(this.#policies.collections.keys()),
      this.#contexts,
      (slug, id) => this.#dependencies.canonicalID(slug, id),
    )
  }

  #log = (level: 'error' | 'info' | 'warn', message: string): void => {
    this.#payload.logger?.[level](message)
  }

  emit = (event: CacheEvent): void => {
    this.#stats.record(event)
    if (event.type === 'kv' && event.op === 'write' && event.ok) this.#admission.wrote(Date.now())
    if (this.#options.debug) {
      const line = debugLine(event)
      if (line) this.#log('info', line)
    }
    if (this.#options.onEvent) {
      try {
        this.#options.onEvent(event)
      } catch {
        // A metrics sink must never break a read.
      }
    }
  }

  readonly #running = new Set<Promise<unknown>>()

  #background = (promise: Promise<unknown>): boolean => {
    const quiet = promise.catch(() => undefined)
    this.#running.add(quiet)
    void quiet.finally(() => this.#running.delete(quiet))
    if (!this.#options.waitUntil) return false
    try {
      this.#options.waitUntil(quiet)
      return true
    } catch {
      return false
    }
  }

  #readEvent(
    operation: ReadMethodName,
    slug: string,
    fullKey: string,
    started: number,
  ): { operation: ReadMethodName; slug: string; key: string; durationMs: number } {
    const wantsKey = this.#options.debug || this.#options.onEvent
    return {
      operation,
      slug,
      key: wantsKey && fullKey ? fingerprint(fullKey) : '',
      durationMs: Date.now() - started,
    }
  }

  #bypass(operation: ReadMethodName, slug: string, reason: BypassReason, call: Call) {
    this.emit({ type: 'bypass', reason, ...this.#readEvent(operation, slug, '', Date.now()) })
    return call()
  }

  /**
   * Key material: every argument but `req`, encoded exactly (see `encodeKey.ts`), then the custom
   * `key` partition, if any; `undefined` when an argument cannot be encoded exactly.
   */
  #material(
    operation: ReadMethodName,
    slug: string,
    args: Record<string, unknown>,
    context: Record<string, unknown> | undefined,
  ): string | undefined {
    const base = encodeKey(args)
    if (base === undefined) return undefined
    const partition = this.#partition(operation, slug, args, context)
    // `base` is one encoded object, so what follows it cannot be mistaken for part of it.
    return partition === undefined ? base : `${base}|${JSON.stringify(partition)}`
  }

  #partition(
    operation: ReadMethodName,
    slug: string,
    args: Record<string, unknown>,
    context: Record<string, unknown> | undefined,
  ): string | undefined {
    const partition = this.#options.key?.({ operation, slug, args, context: context ?? {} })
    if (partition !== undefined && typeof partition !== 'string') {
      throw new TypeError(
        `payload-kv-cache: the key option must return a string or undefined, got ${typeof partition}`,
      )
    }
    return partition
  }

  /**
   * The request a read belongs to: its own `req` when that has a context. findByID's findOne has
   * none: it is handled as every request that claims its document says, when they all agree on
   * how (control, logged in or not, partition); otherwise, or when no request claims it, it
   * cannot be told whose it is and bypasses (see requestContext.ts).
   */
  #requestOf(
    req: unknown,
    operation: ReadMethodName,
    slug: string,
    args: Record<string, unknown>,
  ): RequestLike | undefined | 'ambiguous-request' {
    const own = req && typeof req === 'object' ? (req as RequestLike) : undefined
    if (own?.context !== undefined || operation !== 'findOne') return own
    const pinned = idFromWhere(args.where)
    if (pinned === undefined) return own
    const id = this.#dependencies.canonicalID(slug, pinned)
    const claimed = id === undefined ? [] : this.#contexts.requests(slug, id)
    const first = claimed[0]
    if (first === undefined) return 'ambiguous-request'
    const signature = (request: RequestLike) =>
      JSON.stringify([
        controlFor(request) ?? null,
        // Logged in or not changes the handling only when logged-in reads bypass.
        this.#options.authenticatedReads === 'database' && Boolean(request.user),
        this.#partition(operation, slug, args, request.context) ?? null,
      ])
    const agreed = signature(first)
    for (let i = 1; i < claimed.length; i++) {
      if (signature(claimed[i] as RequestLike) !== agreed) return 'ambiguous-request'
    }
    return first
  }

  /**
   * The error a `cache-only` read that missed throws. It ends the operation, so a findByID's claim
   * goes with it: every live claim on the document agreed (or the read would have bypassed), so
   * withdrawing any one of them is withdrawing this read's, as far as any later read can tell.
   * Without it, a `cache-only` claim would make the usual fallback, a default read of the same
   * document, bypass for the claim's whole life.
   */
  #cacheOnlyMiss(
    operation: ReadMethodName,
    slug: string,
    req: unknown,
    request: RequestLike | undefined,
    args: Record<string, unknown>,
  ): KVCacheMissError {
    if (request && request !== req) {
      const id = this.#dependencies.canonicalID(slug, idFromWhere(args.where))
      if (id !== undefined) this.#contexts.release(slug, id, request)
    }
    return new KVCacheMissError(operation, slug)
  }

  /**
   * The key of an entry in memory and in the entry itself: the operation, the slug (quoted), the
   * key material (one encoded object, then an optional quoted partition) and the invalidation
   * tokens (always starting with `all=`), so no two different reads can spell one key.
   */
  #fullKey(operation: ReadMethodName, slug: string, material: string, tokens: string): string {
    return `${operation}|${JSON.stringify(slug)}|${material}|${tokens}`
  }

  /** The data path of one read, top to bottom. */
  async read(
    operation: ReadMethodName,
    target: ReadTarget,
    args: Args,
    call: Call,
  ): Promise<unknown> {
    const started = Date.now()
    const slug = slugOf(target, args)
    const isGlobal = target === 'global' || target === 'globalVersions'
    const ttl = (isGlobal ? this.#policies.globals : this.#policies.collections).get(slug)
    if (ttl === undefined) {
      // Internal, auth (not opted in) or turned off; its control is still checked, so that a
      // mistake is as loud here as on a cached collection.
      controlFor(args.req)
      return call()
    }

    // 1. Whose read this is: the request's context and cache control, validated on every read so
    // that a mistake is never silent. findByID's findOne carries no context: it comes from the
    // request that claimed the document (see requestContext.ts).
    const { req, ...keyArgs } = args
    const request = this.#requestOf(req, operation, slug, keyArgs)
    if (request === 'ambiguous-request') {
      return this.#bypass(operation, slug, 'ambiguous-request', call)
    }
    const control = controlFor(request)
    if (control?.bypass) return this.#bypass(operation, slug, 'request', call)
    // A logged-in user's next request may land on an isolate whose tokens predate their write.
    if (this.#options.authenticatedReads === 'database' && request?.user) {
      return this.#bypass(operation, slug, 'authenticated', call)
    }
    // Reads inside a transaction may see uncommitted rows.
    if ((await transactionOf(req)) !== undefined) {
      return this.#bypass(operation, slug, 'transaction', call)
    }

    // 2. The key: the arguments, a custom partition, and the invalidation tokens as they are
    // *before* the database read.
    const material = this.#material(operation, slug, keyArgs, request?.context)
    if (material === undefined) return this.#bypass(operation, slug, 'unkeyable', call)
    const id = this.#dependencies.itemOf(operation, target, keyArgs)
    const names = this.#dependencies.readTokens({ target, slug, args: keyArgs, id })
    if (names === undefined) return this.#bypass(operation, slug, 'not-cached', call)
    // One KV key per query, whatever the tokens: the entry carries the tokens it was read under
    // and counts only when they are the current ones. So a fresh isolate reads the tokens and
    // the entry in one bulk get, and a slow read that started before a write still stores an
    // entry no later read accepts.
    const storeKey = this.#kvKeyFor(isGlobal, slug, operation, material)
    const lookup = control?.mode !== 'refresh' && this.#store.available
    const { tokens, along } = await this.#invalidation.snapshotWith(names, (known) =>
      // Not when this isolate's memory probably holds it (the tokens it last had still key it):
      // the extra key would be a billed read for nothing.
      lookup &&
      !(
        known !== undefined &&
        this.#memory.has(this.#fullKey(operation, slug, material, known), Date.now(), this.#staleMs)
      )
        ? storeKey
        : undefined,
    )
    if (tokens === undefined) {
      if (control?.mode === 'cache-only') {
        this.emit({ type: 'miss', ...this.#readEvent(operation, slug, '', started) })
        throw this.#cacheOnlyMiss(operation, slug, req, request, keyArgs)
      }
      return this.#bypass(operation, slug, 'invalidation-unknown', call)
    }
    const fullKey = this.#fullKey(operation, slug, material, tokens)
    const entryTtl = Math.min(control?.ttl ?? ttl, this.#maxTtl)
    const query = this.#queryOf(operation, slug, material)
    const refill = { fullKey, storeKey, ttl: entryTtl, operation, slug, query }

    // 3. Look up: memory, a read already in flight, then KV. An entry past its TTL but within
    // `staleWhileRevalidate` is served while one background read replaces it; an invalidated one
    // is never found (its tokens are in its key).
    if (control?.mode !== 'refresh') {
      const now = Date.now()
      const hit = this.#memory.get(fullKey, now, this.#staleMs)
      if (hit) {
        const stale = hit.expiresAt <= now
        this.emit({
          type: 'hit',
          tier: 'memory',
          ...(stale ? { stale } : {}),
          ...this.#readEvent(operation, slug, fullKey, started),
        })
        if (stale) this.#revalidate(refill, call)
        // Asked for again: the doorkeeper lets it into KV now (see admission.ts).
        else if (!hit.kv && this.#store.available) {
          if (this.#admission.decide(query, now, entryTtl * 1000) === undefined) {
            hit.kv = true
            this.#kvPut(storeKey, fullKey, hit, now)
          }
        }
        return parseResult(hit.data)
      }
      const inflight = this.#inflight.get(fullKey)
      if (inflight) {
        const data = await inflight.catch(() => undefined)
        if (data !== undefined) {
          this.emit({
            type: 'hit',
            tier: 'memory',
            ...this.#readEvent(operation, slug, fullKey, started),
          })
          return parseResult(data)
        }
      }
    }

    // 4. This call leads: identical reads arriving meanwhile wait for its answer (KV or database).
    let settle!: (data: string | undefined) => void
    const flight = new Promise<string | undefined>((resolve) => {
      settle = resolve
    })
    this.#inflight.set(fullKey, flight)
    try {
      if (control?.mode !== 'refresh') {
        const stored =
          along === undefined
            ? await this.#kvGet(storeKey, fullKey)
            : this.#parseEntry(along, fullKey)
        if (stored) {
          settle(stored.data)
          this.#memory.set(fullKey, { data: stored.data, expiresAt: stored.expiresAt, kv: true })
          const stale = stored.expiresAt <= Date.now()
          this.emit({
            type: 'hit',
            tier: 'kv',
            ...(stale ? { stale } : {}),
            ...this.#readEvent(operation, slug, fullKey, started),
          })
          if (stale) this.#revalidate(refill, call)
          return stored.value
        }
        // A lookup that found nothing. A refresh made no lookup, so it is not a miss.
        this.emit({ type: 'miss', ...this.#readEvent(operation, slug, fullKey, started) })
        if (control?.mode === 'cache-only') {
          throw this.#cacheOnlyMiss(operation, slug, req, request, keyArgs)
        }
      }

      // 5. Read the database, then store.
      const result = await call()
      // Serialized before the caller gets the result: Payload mutates documents in place.
      const data = this.#serialize(result, operation, slug, fullKey, started)
      settle(data)
      if (data !== undefined) {
        this.#fill(storeKey, fullKey, data, entryTtl, { operation, slug, started, query })
      }
      return result
    } finally {
      settle(undefined) // no-op when already settled
      if (this.#inflight.get(fullKey) === flight) this.#inflight.delete(fullKey)
    }
  }

  /**
   * `namespace:schema:c|g:slug:operation:sha256(operation|slug|arguments)`, always under KV's 512
   * bytes. Without the tokens: one key per query (see `read`).
   */
  #kvKeyFor(isGlobal: boolean, slug: string, operation: string, material: string): string {
    const kind = isGlobal ? 'g' : 'c'
    return kvKey(
      this.#options.namespace,
      this.#schema,
      kind,
      slug,
      operation,
      sha256(`${operation}|${slug}|${material}`),
    )
  }

  /** An entry from KV, or `undefined`: missing, expired, another key's, or unreadable (a miss). */
  async #kvGet(storeKey: string, fullKey: string) {
    if (!this.#store.available) return undefined
    return this.#parseEntry(await this.#store.get(storeKey), fullKey)
  }

  /**
   * An entry as stored, if it is the one for `fullKey`: the same arguments *and the same tokens*,
   * not expired (beyond `staleWhileRevalidate`), and readable.
   */
  #parseEntry(raw: string | null | undefined, fullKey: string) {
    if (typeof raw !== 'string') return undefined
    // `e2\n<expiresAt>\n<full key>\n<data>`: the full key guards against hash collisions.
    const a = raw.indexOf('\n')
    const b = raw.indexOf('\n', a + 1)
    const c = raw.indexOf('\n', b + 1)
    if (a < 0 || b < 0 || c < 0 || raw.slice(0, a) !== ENTRY_VERSION) return undefined
    const expiresAt = Number(raw.slice(a + 1, b))
    if (!(expiresAt + this.#staleMs > Date.now()) || raw.slice(b + 1, c) !== fullKey) {
      return undefined
    }
    const data = raw.slice(c + 1)
    try {
      // Parsed here so that a truncated or corrupted entry is a miss, never a thrown error.
      return { data, expiresAt, value: parseResult(data) }
    } catch {
      return undefined
    }
  }

  /**
   * The text to store for a result, or `undefined` when there is nothing to store: no result, or
   * one that JSON would give back altered (see `serializeResult.ts`), which is answered from the
   * database every time.
   */
  #serialize(
    result: unknown,
    operation: ReadMethodName,
    slug: string,
    fullKey: string,
    started: number,
  ): string | undefined {
    if (result === undefined) return undefined
    const data = serializeResult(result)
    if (data === undefined) {
      this.emit({ type: 'skip-round-trip', ...this.#readEvent(operation, slug, fullKey, started) })
    }
    return data
  }

  /** What the doorkeeper remembers of a read: its arguments, not its tokens (see admission.ts). */
  #queryOf(operation: ReadMethodName, slug: string, material: string): string {
    return this.#options.admission === 'reused'
      ? fingerprint(`${operation}|${slug}|${material}`)
      : ''
  }

  #fill(
    storeKey: string,
    fullKey: string,
    data: string,
    ttl: number,
    {
      operation,
      slug,
      started,
      query,
    }: { operation: ReadMethodName; slug: string; started: number; query: string },
  ): void {
    const bytes = data.length
    if (bytes > this.#options.maxEntryBytes) {
      this.emit({ type: 'skip-size', bytes, ...this.#readEvent(operation, slug, fullKey, started) })
      return
    }
    // The expiry travels with the entry: KV rejects expirationTtl under 60 s, ours may be shorter.
    const now = Date.now()
    const entry = { data, expiresAt: now + ttl * 1000, kv: false }
    this.emit({ type: 'store', bytes, ...this.#readEvent(operation, slug, fullKey, started) })
    if (this.#store.available) {
      const skip = this.#admission.decide(query, now, ttl * 1000)
      if (skip) {
        this.emit({
          type: 'kv-skip',
          reason: skip,
          ...this.#readEvent(operation, slug, fullKey, started),
        })
      } else {
        entry.kv = true
        this.#kvPut(storeKey, fullKey, entry, now)
      }
    }
    if (this.#memory.enabled) this.#memory.set(fullKey, entry)
  }

  readonly #revalidating = new Set<string>()

  /**
   * Replaces an entry served stale: one background database read per key in this isolate at a
   * time, stored under the same key. That key holds the tokens as they were before this read
   * began, so a write meanwhile leaves the refreshed entry unreachable, as any slow fill.
   */
  #revalidate(
    refill: {
      fullKey: string
      storeKey: string
      ttl: number
      operation: ReadMethodName
      slug: string
      query: string
    },
    call: Call,
  ): void {
    const { fullKey, storeKey, ttl, operation, slug, query } = refill
    if (this.#revalidating.has(fullKey)) return
    this.#revalidating.add(fullKey)
    const started = Date.now()
    const refresh = (async () => {
      let ok = false
      try {
        const result = await call()
        const data = this.#serialize(result, operation, slug, fullKey, started)
        if (data !== undefined) {
          this.#fill(storeKey, fullKey, data, ttl, { operation, slug, started, query })
        }
        ok = true
      } finally {
        this.#revalidating.delete(fullKey)
        this.emit({ type: 'revalidate', ok, ...this.#readEvent(operation, slug, fullKey, started) })
      }
    })()
    this.#background(refresh)
  }

  /** Writes an entry to KV in the background, for what is left of its TTL. */
  #kvPut(storeKey: string, fullKey: string, entry: MemoryEntry, now: number): void {
    // KV keeps it through the stale window too (KV's own expirationTtl, at least 60 s).
    const ttl = Math.ceil((entry.expiresAt + this.#staleMs - now) / 1000)
    if (ttl <= 0) return
    this.#background(
      this.#store.put(
        storeKey,
        `${ENTRY_VERSION}\n${entry.expiresAt}\n${fullKey}\n${entry.data}`,
        ttl,
      ),
    )
  }

  /** A write: pass it through, then invalidate what it changed (after commit in a transaction). */
  async write(
    spec: Extract<MethodSpec, { kind: 'write' }>,
    args: Args,
    call: Call,
  ): Promise<unknown> {
    const transaction = await transactionOf(args.req)
    let result: unknown
    let failed = false
    try {
      result = await call()
      return result
    } catch (error) {
      failed = true
      throw error
    } finally {
      // deleteVersions and updateVersion can name a global; updateJobs writes `payload-jobs`.
      const global = spec.target === 'global' || Boolean(args.globalSlug)
      const tokens = this.#dependencies.writeTokens({
        target: global ? 'global' : 'collection',
        slug:
          spec.target === 'jobs' ? 'payload-jobs' : slugOf(global ? 'global' : 'collection', args),
        deletes: spec.deletes,
        versions: spec.versions,
        ids: writtenIDs(args, failed ? undefined : result),
      })
      await this.invalidateAfterCommit(tokens, transaction)
    }
  }

  /** `invalidate(payload, targets)`: ids canonicalised as a write's are. */
  invalidateTargets(
    targets: readonly InvalidationTarget[],
    transaction: TransactionID | undefined,
  ): Promise<void> {
    const tokens = new Set<string>()
    for (const target of targets) {
      if (target === 'all') tokens.add('all')
      else if ('global' in target) tokens.add(`g:${target.global}`)
      else {
        const id =
          target.id === undefined
            ? undefined
            : this.#dependencies.canonicalID(target.collection, target.id)
        tokens.add(`c:${target.collection}:list`)
        tokens.add(
          id === undefined ? `c:${target.collection}:items` : `c:${target.collection}:id:${id}`,
        )
      }
    }
    return this.invalidateAfterCommit([...tokens], transaction)
  }

  readonly #warnedUnclassified = new Set<string>()

  /**
   * A write-shaped adapter member the classification map does not know (see `withKVCache.ts`):
   * it may change anything, so everything is made stale after it, and it is said once in the log.
   */
  async unclassifiedWrite(name: string, args: Args, call: Call): Promise<unknown> {
    if (!this.#warnedUnclassified.has(name)) {
      this.#warnedUnclassified.add(name)
      this.#log(
        'warn',
        `payload-kv-cache: payload.db.${name} is not in payload-kv-cache's map of adapter methods (a newer Payload?); it is treated as a write that may change anything, and every call makes the whole cache stale. Upgrade payload-kv-cache.`,
      )
    }
    const transaction = await transactionOf(args.req)
    try {
      return await call()
    } finally {
      await this.invalidateAfterCommit(['all'], transaction)
    }
  }

  /** Invalidates now, or when `transaction` commits. */
  async invalidateAfterCommit(tokens: string[], transaction: TransactionID | undefined) {
    if (!tokens.length) return
    if (transaction !== undefined) this.#pending.add(transaction, tokens)
    else await this.invalidate(tokens)
  }

  async commit(id: unknown, call: Call): Promise<unknown> {
    const transaction = await transactionOf({ transactionID: id })
    try {
      return await call()
    } finally {
      const tokens = this.#pending.take(transaction)
      if (tokens.length) await this.invalidate(tokens)
    }
  }

  async rollback(id: unknown, call: Call): Promise<unknown> {
    const transaction: TransactionID | undefined = await transactionOf({ transactionID: id })
    try {
      return await call()
    } finally {
      // Nothing was committed, and reads inside the transaction stored nothing.
      this.#pending.take(transaction)
    }
  }

  /** Bumps invalidation tokens (names as in `dependencies.ts`). */
  async invalidate(tokens: string[]): Promise<void> {
    const bySlug = new Map<string, string[]>()
    for (const token of tokens) {
      const slug = token === 'all' ? '*' : token.startsWith('g:') ? token : token.split(':')[1]
      const list = bySlug.get(slug ?? '*') ?? []
      list.push(token)
      bySlug.set(slug ?? '*', list)
    }
    for (const [slug, targets] of bySlug) {
      const isGlobal = slug.startsWith('g:')
      this.emit({
        type: 'invalidate',
        scope: slug === '*' ? 'all' : isGlobal ? 'global' : 'collection',
        slug: slug === '*' ? undefined : isGlobal ? slug.slice(2) : slug,
        targets,
      })
    }
    await this.#invalidation.bump(tokens)
  }

  /** Makes every cached entry stale: one KV write. */
  async flush(): Promise<void> {
    this.#memory.clear()
    await this.invalidate(['all'])
  }

  /** Migrations rewrite tables behind the adapter's methods: flush after them. */
  async migration(call: Call): Promise<unknown> {
    try {
      return await call()
    } finally {
      await this.flush()
    }
  }

  /**
   * Deletes stored entries by prefix, for reclaiming storage: one `list` per 1,000 keys and one
   * `delete` per key, stopping after `maxOperations` KV operations and returning a cursor to go on
   * from. Invalidation tokens are never deleted (that would revive old entries), and correctness
   * never depends on this: entries are already unreachable once invalidated.
   */
  async purge(
    scope: { collection?: string; global?: string },
    cursor: string | undefined,
    maxOperations: number,
  ): Promise<{ deleted: number; cursor?: string }> {
    if (!cursor) this.#memory.clear()
    const prefix =
      scope.collection !== undefined
        ? `${kvKey(this.#options.namespace, this.#schema, 'c', scope.collection)}:`
        : scope.global !== undefined
          ? `${kvKey(this.#options.namespace, this.#schema, 'g', scope.global)}:`
          : `${this.#options.namespace}:`
    const tokens = `${this.#options.namespace}:_t:`
    // Our cursor: the KV cursor, the keys of the current page not yet deleted, and whether the
    // page was the last. Opaque to callers.
    const state: PurgeCursor = cursor === undefined ? { k: [], d: false } : parseCursor(cursor)
    let operations = 0
    let deleted = 0
    for (;;) {
      if (!state.k.length) {
        if (state.d) return { deleted }
        if (operations >= maxOperations) return { deleted, cursor: JSON.stringify(state) }
        operations++
        const page = await this.#store.list(prefix, state.c)
        if (!page) return { deleted, cursor: JSON.stringify(state) } // KV failed: resume later
        state.k = page.keys.filter((key) => !key.startsWith(tokens))
        state.c = page.cursor
        state.d = page.cursor === undefined
        continue
      }
      if (operations >= maxOperations) return { deleted, cursor: JSON.stringify(state) }
      operations++
      if (await this.#store.delete(state.k[0] as string)) deleted++
      state.k.shift()
    }
  }

  stats(): CacheStats {
    return this.#stats.snapshot(
      this.#store.circuit,
      { entries: this.#memory.size, bytes: this.#memory.bytes },
      this.#admission.budget(Date.now()),
    )
  }

  resetStats(): void {
    this.#stats.reset()
  }

  /**
   * Payload's `destroy` (shutdown, or the first step of a hot reload): gives background KV writes
   * the time one put needs (KV's one-write-a-second spacing plus `timeoutMs`) to land, then stops
   * retrying so that no timer outlives the adapter. What did not land is said once in the log;
   * `connect` (hot reload) writes it.
   */
  async destroy(call: Call): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1_000 + this.#options.timeoutMs + 100)
    })
    await Promise.race([this.settled(), grace])
    clearTimeout(timer)
    const unwritten = this.#invalidation.stop()
    if (unwritten.length) {
      this.#log(
        'warn',
        `payload-kv-cache: ${unwritten.length} invalidation(s) could not be written to KV before the adapter was destroyed (${unwritten.slice(0, 5).join(', ')}); other isolates may serve the old entries until their TTL`,
      )
    }
    return call()
  }

  /** Payload's `init` (start, and a hot reload with a new config): re-reads the config. */
  async init(call: Call): Promise<unknown> {
    const result = await call()
    this.#configure()
    return result
  }

  /** Payload's `connect` (start, or a hot reload after `destroy`): resumes stopped KV writes. */
  async connect(call: Call): Promise<unknown> {
    const result = await call()
    this.#invalidation.resume()
    return result
  }

  /** Waits for background invalidation writes (tests, graceful shutdown). */
  async settled(): Promise<void> {
    while (this.#running.size) await Promise.all(this.#running)
    await this.#invalidation.settled()
  }
}
