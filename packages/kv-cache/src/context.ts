import type { Payload } from 'payload'
import { Admission } from './admission.js'
import { type Background, createBackground } from './background.js'
import { databaseIdentity, keyspaceOf } from './dependencies/databaseIdentity.js'
import { Dependencies } from './dependencies/dependencies.js'
import { schemaFingerprint } from './dependencies/schemaFingerprint.js'
import { createEmitter, type Emitter, type Log } from './events/emitter.js'
import { StatsRecorder } from './events/stats.js'
import { detectTopology } from './freshness/detectTopology.js'
import type { FreshSource } from './freshness/freshSource.js'
import { InvalidationTokens } from './invalidationTokens.js'
import { KVStore } from './kv/kvStore.js'
import { RecentWrites } from './kv/recentWrites.js'
import { MemoryTier } from './memoryTier.js'
import { type EntityPolicies, resolvePolicies } from './options/entityPolicies.js'
import { type ResolvedOptions, stateMaxBytes } from './options/resolveOptions.js'
import { SharedReads } from './read/databaseRead.js'
import { installClaimHooks, RequestClaims } from './request/requestClaims.js'
import { clock, SPACING_MS } from './tokenWriter.js'
import type { CacheEvent, KVBinding } from './types.js'
import { PendingInvalidations } from './write/transactions.js'

/** What the wrapped adapter says about itself: how it stores ids, where its database is. */
export type AdapterInfo = {
  name?: string
  defaultIDType?: string
  idType?: unknown
  /** PostgreSQL adapters: the pool's options (where the database is). */
  poolOptions?: unknown
  /** sqlite adapters: the libsql client's options. */
  clientConfig?: unknown
}

/**
 * What the cache knows from Payload's sanitized config: which collections and globals are cached
 * and for how long, what each read depends on, and the keyspace of the entries. Replaced as a
 * whole when a hot reload hands Payload a new config.
 */
export type Configured = {
  readonly config: Payload['config']
  readonly policies: EntityPolicies
  readonly dependencies: Dependencies
  /** Schema fingerprint and database identity: see `storage/storageKeys.ts`. */
  readonly keyspace: string
}

/**
 * The state every step of the cache needs, made once per Payload instance and passed to small
 * functions (as cachified passes its context, and drizzle its adapter as `this`), rather than a
 * class that gains a field per feature.
 */
export type CacheContext = {
  readonly payload: Payload
  readonly options: ResolvedOptions
  readonly adapter: AdapterInfo
  /** Every KV call: timeouts, the circuit, errors turned into answers. */
  readonly store: KVStore
  readonly memory: MemoryTier
  /** The invalidation state: snapshots for reads, bumps for writes. */
  readonly tokens: InvalidationTokens
  /**
   * The database behind a layer that can answer older than its primary (D1 or PostgreSQL read
   * replicas, Hyperdrive's cache), which keeps fills fresh (`freshness/`); unset when none.
   */
  readonly fresh: FreshSource | undefined
  readonly admission: Admission
  readonly stats: StatsRecorder
  /** findByID's claims on documents (see `request/requestClaims.ts`). */
  readonly claims: RequestClaims
  /** Invalidations of writes inside transactions, until they commit. */
  readonly pending: PendingInvalidations
  readonly background: Background
  /** Write operations in flight in this isolate, and when the last one ended (`tokenWriter.ts`). */
  readonly writes: { active: number; lastEndedAt: number }
  /** Database reads shared by identical reads that have no cache key yet (`read/databaseRead.ts`). */
  readonly databaseReads: SharedReads
  /** Reads in flight, by identity: identical reads wait for the first (`read/readThrough.ts`). */
  readonly inflight: Map<string, Promise<string | undefined>>
  /** Identities being read again in the background (`read/revalidate.ts`). */
  readonly revalidating: Set<string>
  /** `staleWhileRevalidate` in milliseconds. */
  readonly staleMs: number
  /** `staleIfError` in milliseconds (0: off). */
  readonly staleIfErrorMs: number
  /** How long past its TTL an entry is kept, in memory and KV: the longer of the two windows. */
  readonly keepMs: number
  /** Entry keys written (or refused with a 429) a moment ago: a put now would lose. */
  readonly recentWrites: RecentWrites
  /** When this isolate last had a cold miss (`read/hedge.ts`, on `tokenWriter.clock`). */
  readonly hedging: { coldMissAt: number }
  /** The longest TTL of any collection or global, in seconds: no entry lives longer. */
  readonly maxTtl: number
  readonly emit: (event: CacheEvent) => void
  readonly subscribe: Emitter['subscribe']
  readonly log: Log
  configured: Configured
}

const configuredFrom = (
  config: Payload['config'],
  options: ResolvedOptions,
  adapter: AdapterInfo,
): Configured => {
  const policies = resolvePolicies(options, config)
  return {
    config,
    policies,
    dependencies: new Dependencies(config, adapter, {
      collections: policies.collections.keys(),
      globals: policies.globals.keys(),
    }),
    keyspace: keyspaceOf(schemaFingerprint(config), databaseIdentity(adapter)),
  }
}

/**
 * Reads `payload.config` again when it is not the one the context was made from (Payload's `init`
 * after a hot reload), and adds the claim hooks to its cached collections.
 */
export const configure = (ctx: CacheContext): void => {
  const { config } = ctx.payload
  if (config === ctx.configured.config) return
  ctx.configured = configuredFrom(config, ctx.options, ctx.adapter)
  installConfigured(ctx)
}

const installConfigured = (ctx: CacheContext): void => {
  const { config, policies, dependencies } = ctx.configured
  installClaimHooks(
    config.collections as never,
    new Set(policies.collections.keys()),
    ctx.claims,
    (slug, id) => dependencies.canonicalID(slug, id),
  )
}

/** A token's put gave up: an event each time, a warning at most once a minute. */
const unwrittenReporter = (emit: (event: CacheEvent) => void, log: Log) => {
  let saidAt = Number.NEGATIVE_INFINITY
  let unsaid = 0
  return (token: string, reason: string, attempts: number) => {
    emit({ type: 'token-unwritten', token, reason, attempts })
    unsaid++
    const now = Date.now()
    if (now - saidAt < 60_000) return
    log(
      'warn',
      `payload-kv-cache: ${unsaid} invalidation(s) could not be written to KV (last: ${token}, ${reason} after ${attempts} attempt(s)); this isolate still reads its own writes and writes them again when KV answers or with its next invalidation; other isolates may serve the old entries until their TTL`,
    )
    saidAt = now
    unsaid = 0
  }
}

export const createContext = (
  payload: Payload,
  binding: KVBinding,
  options: ResolvedOptions,
  adapter: AdapterInfo,
): CacheContext => {
  const log: Log = (level, message) => payload.logger?.[level](message)
  const configured = configuredFrom(payload.config, options, adapter)
  const maxTtl = Math.max(
    options.ttl,
    ...configured.policies.collections.values(),
    ...configured.policies.globals.values(),
  )
  const stats = new StatsRecorder()
  const background = createBackground(options.waitUntil)
  // The admission counts KV writes from the events it also emits: bound once both exist.
  let emitter: Emitter | undefined
  const admission = new Admission({
    admission: options.admission,
    kvWriteBudget: options.kvWriteBudget,
    emit: (event) => emitter?.emit(event),
    log,
  })
  emitter = createEmitter({ stats, admission, debug: options.debug, onEvent: options.onEvent, log })
  const { emit, subscribe } = emitter
  // What stands in front of the database's primary: handled, or said once, loudly.
  const topology = detectTopology(adapter, options)
  for (const { layer, handling, message } of topology.notes) {
    log(handling === 'handled' ? 'info' : 'warn', message)
    emit({ type: 'topology', layer, handling, message })
  }
  const store = new KVStore({
    binding,
    timeoutMs: options.timeoutMs,
    threshold: options.circuitThreshold,
    cooldownMs: options.circuitCooldownMs,
    emit,
    log,
  })
  const writes = { active: 0, lastEndedAt: 0 }
  const staleMs = options.staleWhileRevalidate * 1000
  const staleIfErrorMs = options.staleIfError * 1000
  const keepMs = Math.max(staleMs, staleIfErrorMs)
  const ctx: CacheContext = {
    payload,
    options,
    adapter,
    store,
    memory: new MemoryTier(options.memoryMaxBytes, keepMs),
    tokens: new InvalidationTokens({
      store,
      namespace: options.namespace,
      maxStaleMs: options.invalidationCheckMs,
      timeoutMs: options.timeoutMs,
      // Tokens must outlive every entry keyed by them, or an expired token would revive old entries.
      tokenTtl: maxTtl + options.staleWhileRevalidate + options.staleIfError + 86_400,
      maxBytes: stateMaxBytes(options),
      background: background.run,
      waitUntil: options.waitUntil !== undefined,
      writes: () => writes,
      gaveUp: unwrittenReporter(emit, log),
    }),
    fresh: topology.source,
    admission,
    stats,
    claims: new RequestClaims(),
    pending: new PendingInvalidations(),
    background,
    writes,
    databaseReads: new SharedReads(),
    inflight: new Map(),
    revalidating: new Set(),
    staleMs,
    staleIfErrorMs,
    keepMs,
    recentWrites: new RecentWrites(SPACING_MS, clock),
    hedging: { coldMissAt: Number.NEGATIVE_INFINITY },
    maxTtl,
    emit,
    subscribe,
    log,
    configured,
  }
  installConfigured(ctx)
  return ctx
}
