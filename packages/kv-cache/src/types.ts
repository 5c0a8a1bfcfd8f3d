import type { CollectionSlug, GlobalSlug } from 'payload'
import type { ReadMethodName } from './adapter/adapterMethods.js'
import type { KVErrorKind } from './kv/kvErrors.js'
import type { KVNamespace } from './kv/kvNamespace.js'

export type { KVNamespace }

/** A KV binding, or a function that returns one (on Workers the binding exists only in a request). */
export type KVBinding =
  | KVNamespace
  | (() => KVNamespace | Promise<KVNamespace | undefined> | undefined)

/** Caching policy of one collection or global. */
export type CachePolicy =
  | boolean
  | {
      /** Seconds an entry of this collection or global lives. Default: the global `ttl`. */
      ttl?: number
    }

/** @deprecated Renamed `CachePolicy`. */
export type ScopeOptions = CachePolicy

/**
 * What to make stale: a whole collection, one document of it, a global, or everything. Slugs are
 * typed from Payload's generated types when the app has them (a misspelt slug is a compile error)
 * and checked when called either way.
 */
export type InvalidationTarget =
  | { collection: CollectionSlug; id?: number | string }
  | { global: GlobalSlug }
  | 'all'

/** What a custom `key` function receives. */
export type KeyInput = {
  /** The adapter method, e.g. `find` or `findGlobal`. */
  operation: ReadMethodName
  /** Collection or global slug. */
  slug: string
  /** The adapter arguments without `req`. */
  args: Record<string, unknown>
  /**
   * The request's `context` (`req.context`, or the Local API's `context` option), also for
   * `findByID`, whose adapter call carries none. `{}` for reads made without a request.
   */
  context: Record<string, unknown>
}

export type KVCacheOptions = {
  /** Seconds an entry lives, unless a collection or global says otherwise. Default `300`. */
  ttl?: number
  /**
   * Per-collection policy. `false` never caches it; `true` caches it with the global TTL (the only
   * way to cache an auth-enabled collection); `{ ttl }` caches it with its own TTL. Collections not
   * named are cached, except auth-enabled ones and Payload's internal collections. Unknown slugs
   * are an error when Payload starts. Default `{}`.
   */
  collections?: { [slug in CollectionSlug]?: CachePolicy }
  /** Per-global policy, as for `collections`. Globals not named are cached. Default `{}`. */
  globals?: { [slug in GlobalSlug]?: CachePolicy }
  /** Prefix of every key, so that two apps can share one KV namespace. Default `'payload'`. */
  namespace?: string
  /**
   * A partition of the cache for a read, e.g. by tenant or preview flag from the request's
   * `context`: reads that return different strings never share an entry. It is added to the
   * default key (every argument but `req`), never replaces it, so it can only split entries,
   * never merge different queries; and invalidation still reaches every partition. Return
   * `undefined` for no partition. Default: none.
   */
  key?: (input: KeyInput) => string | undefined
  /**
   * Reads made for a logged-in user (`req.user` set: the admin panel, REST and GraphQL with a
   * session or API key, the Local API with `user`). `'database'` reads them from the database, so
   * an editor sees their own edit on the very next request whichever isolate serves it, while
   * anonymous traffic stays cached. `'cache'` caches them too: entries are keyed by the query,
   * access-control `where`s included, so no user is served another's results, but a request on
   * another isolate may lag a write by the cross-isolate bound. Default `'database'`.
   */
  authenticatedReads?: 'cache' | 'database'
  /** The in-isolate memory tier: `false` turns it off. Default `{ maxBytes: 8 MiB }`. */
  memory?: false | { maxBytes?: number }
  /** Largest serialized result stored, in bytes; bigger results are not cached. Default 1 MiB. */
  maxEntryBytes?: number
  /** Timeout of each KV call in milliseconds; a call that takes longer counts as failed. Default `1000`. */
  timeoutMs?: number
  /**
   * Keeps cache fills and background invalidation retries alive after the response on Workers,
   * e.g. `waitUntil` from `'cloudflare:workers'`: it is called for each background KV write, so it
   * must reach the current request (never a `ctx` captured at start-up). Without it the promises run
   * unattended (fine on Node).
   */
  waitUntil?: (promise: Promise<unknown>) => void
  /**
   * How long this isolate trusts what it last read from KV about invalidations, in milliseconds,
   * before asking KV again (on the next read that needs it; nothing polls). A write made in another
   * isolate stops being served here within this time plus KV's own propagation delay. Default
   * `5000`.
   */
  invalidationCheckMs?: number
  /** @deprecated Renamed `invalidationCheckMs` (two options said "stale" and meant two things). */
  maxStaleMs?: number
  /**
   * Which results are written to KV (the memory tier stores every result either way):
   * - `'always'`: every miss is written, so another isolate can hit it at once;
   * - `'reused'`: a result is written once this isolate has asked for the same query a second time
   *   within the entry's TTL (a doorkeeper of up to 10,000 query hashes). Long-tail queries asked
   *   once cost no KV write; an isolate that serves one request writes nothing.
   *
   * Invalidation writes are never affected. Default `'always'`.
   */
  admission?: 'always' | 'reused'
  /**
   * The most KV writes this isolate makes per UTC day (entries and invalidation tokens alike).
   * Past it, results are stored in the memory tier only; invalidation tokens are still written,
   * whatever it costs, because dropping one would serve stale data. Said once a day in the log
   * and in `getCacheStats`. Per isolate because a shared count would itself cost KV writes.
   * Default: no limit.
   */
  kvWriteBudget?: number
  /**
   * Seconds after an entry's TTL during which it is still served, while one background read (per
   * isolate and key, through `waitUntil`) replaces it. Only expiry is softened: an entry made
   * stale by a write is never served. KV keeps entries for TTL plus this window. Default `0` (off).
   */
  staleWhileRevalidate?: number
  /**
   * Hyperdrive's query cache in front of the adapter's PostgreSQL connections, which a connection
   * string does not show. Hyperdrive caches read results for `max_age` plus
   * `stale_while_revalidate` seconds and never invalidates them after a write, so a cache fill
   * right after a write could store its old answer (see the README's Deployment topologies):
   * - `false`: no configuration the adapter uses caches queries (caching disabled, or no Hyperdrive);
   * - `{ cached: 'replicas' }`: Cloudflare's two bindings, the adapter's `pool` on the uncached
   *   configuration and its `readReplicas` on the cached one: a fill within the window after a
   *   write reads the pool (Payload's read-after-write routing), others the cached binding;
   * - `{ cached: 'all' }`: every connection is cached: a fill within the window after a write is
   *   read and not stored.
   *
   * `maxAge` and `staleWhileRevalidate` are the cached configuration's settings in seconds
   * (Hyperdrive's defaults: `60` and `15`). Default: when a connection goes through Hyperdrive
   * (`*.hyperdrive.local`) and this is not given, `{ cached: 'all' }` with Hyperdrive's defaults,
   * said once at start-up; otherwise `false`.
   */
  hyperdrive?:
    | false
    | { cached: 'all' | 'replicas'; maxAge?: number; staleWhileRevalidate?: number }
  /**
   * How long a KV lookup may take before the database read starts beside it, in milliseconds: a
   * lookup slower than a hot KV read is probably cold (Cloudflare: p95 ≈ 50 ms, p99 ≈ 250 ms
   * outside North America), and a miss should not wait for it before asking the database.
   * Whichever answers first answers the read; a KV hit that loses the race cost one database
   * query. `'auto'`: this isolate's hot KV read time (the 10th percentile of its last reads) plus
   * a quarter and 1 ms, between 2 and 12 ms (8 ms before 8 reads), and 0 for 100 ms after a lookup that took longer and
   * did not hit (cold reads come together). `false`: never — a miss waits for KV first, and a slow
   * KV hit costs no database query (e.g. to spare D1's daily row reads). Default `'auto'`.
   */
  hedgeMs?: number | 'auto' | false
  /**
   * When the database read fails — an error that says the database is unavailable (D1's
   * `Network connection lost.`, `D1 DB is overloaded`, a reset, its free plan's daily row limits,
   * `Too many API requests by single worker invocation.`, a timeout, a refused or lost PostgreSQL
   * connection), never a query error — a read may be answered with the last entry this isolate's
   * memory or KV holds for the same query, when it was read from the database at most this many
   * seconds ago, or expired at most this many seconds ago while still under the current tokens.
   * Never for a logged-in user's read, a `refresh` or `staleIfError: false` request control, nor
   * with an entry older than a write this isolate made to what it depends on. Each such answer is a
   * `stale-if-error` event (and `staleIfError.served` in the statistics); the first of a minute is
   * logged. KV keeps entries this much longer. `false` (or `0`) turns it off. Default `60`.
   */
  staleIfError?: number | false
  /**
   * Consecutive KV failures (timeouts and errors such as a 5xx; never a 429, which is contention on
   * one key, nor KV's daily quota) after which KV is skipped. Default `5`.
   */
  circuitThreshold?: number
  /**
   * The longest KV is skipped before one call probes it again, in milliseconds: the first probe
   * comes after 1 s, each failed probe doubles the wait up to this. So an isolate uses KV again
   * within this time of its recovery. Default `5000`.
   */
  circuitCooldownMs?: number
  /** Every cache event, as a typed object (metrics, logs). Must not throw; errors are ignored. */
  onEvent?: (event: CacheEvent) => void
  /** One debug line per cache operation through `payload.logger`. Default `false`. */
  debug?: boolean
  /**
   * `false` turns the cache off entirely: the adapter is returned untouched and every call goes
   * straight to it (as Payload's plugins say it). Default `true`.
   */
  enabled?: boolean
  /** @deprecated Use `enabled: false`. */
  disabled?: boolean
}

/** Per-request cache control, through `context.kvCache` or `withCacheControl`. */
export type CacheControl = {
  /** Read from the database and store nothing. */
  bypass?: boolean
  /** Seconds the entries stored by this request live. */
  ttl?: number
  /**
   * `'cache-only'` answers from the cache or throws `KVCacheMissError`; `'refresh'` skips the
   * lookup and stores the fresh result. Default `'default'`.
   */
  mode?: 'cache-only' | 'default' | 'refresh'
  /**
   * `false`: when the database fails, this request gets the error, never an older entry (see the
   * `staleIfError` option). Default: the option decides.
   */
  staleIfError?: boolean
}

/**
 * What a committed write made stale, in Payload's terms: everything, or per collection its lists
 * (every read but by-ID ones: lists, counts, joins and paths over it) and either some documents by
 * id or all of them, and globals. A delete also lists the collections and globals that reference
 * the deleted collection (their references were nulled or removed by foreign keys).
 */
export type Invalidated = {
  all: boolean
  collections: Record<string, { documents: string[] | 'all' | 'none'; lists: boolean }>
  globals: string[]
}

/**
 * A layer in front of the database that can answer older than its primary, as detected at start-up
 * (see the README's Deployment topologies).
 */
export type LaggingLayer = 'd1-replicas' | 'postgres-replicas' | 'hyperdrive' | 'libsql-replica'

/** Which tier answered a hit. */
export type CacheTier = 'kv' | 'memory'

/**
 * Why a read did not use the cache:
 * - `not-cached`: it depends on data whose writes the cache does not track;
 * - `transaction`: it runs inside a transaction and may see uncommitted rows;
 * - `request`: the request's cache control says `bypass: true`;
 * - `authenticated`: a logged-in user's read with `authenticatedReads: 'database'`;
 * - `ambiguous-request`: a `findByID`'s read, which carries no request, that cannot be matched to
 *   one way of handling it (requests that differ in control, log-in or key partition read the
 *   document at once, or none claims it);
 * - `unkeyable`: an argument has no exact key (a `Map`, `Set`, class instance, function, symbol or
 *   a cycle; see the README's Keys section);
 * - `kv-unavailable`: KV could not say which invalidations are current (it failed, timed out, or
 *   is skipped while the circuit is open).
 */
export type BypassReason =
  | 'not-cached'
  | 'transaction'
  | 'request'
  | 'authenticated'
  | 'ambiguous-request'
  | 'unkeyable'
  | 'kv-unavailable'

export type KVOperation = 'delete' | 'list' | 'read' | 'write'

type ReadEventBase = {
  operation: ReadMethodName
  slug: string
  /** A short hash of the key, safe to log. */
  key: string
  durationMs: number
}

/** Every cache event. Statistics, debug logging and `onEvent` all consume this one union. */
export type CacheEvent =
  | ({
      type: 'hit'
      tier: CacheTier
      /** Past its TTL, within `staleWhileRevalidate`: served while a background read replaces it. */
      stale?: true
    } & ReadEventBase)
  | ({
      /** The background read that replaces an entry served stale; `ok: false` when it failed. */
      type: 'revalidate'
      ok: boolean
    } & ReadEventBase)
  | ({
      type: 'miss'
      /**
       * KV was slower than the hedge (a lookup that is probably cold): the database read started
       * beside it and answered first.
       */
      hedged?: true
    } & ReadEventBase)
  | ({
      /**
       * The database was unavailable for a read (`staleIfError`): `served: true` when an older
       * entry answered instead (`tier`, and `ageMs`: how long ago its data was read from the
       * database); `served: false` when none could (`reason`: the request forbids it, there was
       * none, it predates this isolate's own write, or it is older than the window), and the
       * database's error was thrown.
       */
      type: 'stale-if-error'
      /** The database's error, its first line. */
      error: string
    } & (
      | { served: true; tier: CacheTier; ageMs: number }
      | { served: false; reason: 'forbidden' | 'none' | 'own-write' | 'too-old' }
    ) &
      ReadEventBase)
  | ({ type: 'bypass'; reason: BypassReason } & ReadEventBase)
  | ({ type: 'store'; bytes: number } & ReadEventBase)
  | ({ type: 'skip-size'; bytes: number } & ReadEventBase)
  | ({
      /**
       * A result answered from the database and not stored: JSON would give it back altered
       * (`Infinity`, `NaN`, `-0`, `undefined` members, a `Date`, one object reached twice, ...).
       */
      type: 'skip-round-trip'
    } & ReadEventBase)
  | {
      type: 'invalidate'
      scope: 'all' | 'collection' | 'global'
      slug?: string
      /** The invalidation tokens bumped, e.g. `c:posts:list`. */
      targets: string[]
    }
  | {
      /**
       * Writes are committed and what they changed is stale in this isolate (its tokens replaced
       * here, their KV writes started): after the write when it is in no transaction, after the
       * commit when it is, never on rollback. One event per write outside a transaction, one per
       * commit, one per `invalidate` or `flush` call. What a page cache revalidates from.
       */
      type: 'committed'
      invalidated: Invalidated
    }
  | {
      type: 'kv'
      op: KVOperation
      ok: boolean
      /** Reads: the keys named, as KV bills them (a bulk get of n keys is n reads). */
      keys?: number
      /**
       * Why a call failed: `'rate-limited'` (429: another write reached the key within a second;
       * contention, not an outage), `'quota'` (the day's allowance of this operation is spent),
       * `'timeout'` (slower than `timeoutMs`) or `'failure'` (anything else, e.g. a 5xx). Only the
       * last two count towards the circuit.
       */
      error?: KVErrorKind
      /** Same as `error === 'timeout'`. */
      timeout?: boolean
      /** UTF-8 bytes read or written. */
      bytes?: number
      durationMs: number
    }
  | {
      /**
       * An invalidation's KV put gave up (`reason`: the last failure; `'quota'` when KV's daily
       * write quota is spent). This isolate still reads its own write; the token is written again
       * with its next invalidation or when KV answers again (the circuit closes). Meanwhile other
       * isolates may serve entries keyed by the old token, until their TTL.
       */
      type: 'token-unwritten'
      /** The token's name, e.g. `c:posts:list`. */
      token: string
      reason: string
      attempts: number
    }
  | {
      /**
       * `'open'`: KV is skipped after `circuitThreshold` failures in a row (again after a probe
       * failed); `'half-open'`: one call probes it; `'closed'`: KV answered the probe.
       */
      type: 'circuit'
      state: 'closed' | 'half-open' | 'open'
      reason?: string
    }
  | ({
      /**
       * A miss under tokens recording a write that a lagging layer (D1 or PostgreSQL read
       * replicas, Hyperdrive's cache) may not have caught up with, and what its database read did:
       * `bookmark` (the D1 session moved to the writers' bookmark first), `primary` (read from the
       * primary or the uncached connection), `replica` (the replicas were asked and had caught up),
       * `not-stored` (read as the adapter reads, and not stored).
       */
      type: 'lag'
      layer: 'd1' | 'postgres' | 'hyperdrive'
      action: 'bookmark' | 'primary' | 'replica' | 'not-stored'
    } & ReadEventBase)
  | {
      /**
       * Once, at start-up, for each layer that can answer older than the primary: whether fills
       * behind it are made fresh (`handled`), skipped while they cannot be (`not-stored`), or
       * not guaranteed. Also logged (`info` when handled, `warn` otherwise).
       */
      type: 'topology'
      layer: LaggingLayer
      handling: 'handled' | 'not-stored' | 'not-guaranteed'
      message: string
    }
  | ({
      /** A result stored in the memory tier but not written to KV. */
      type: 'kv-skip'
      /**
       * `'admission'`: not asked for twice yet; `'budget'`: `kvWriteBudget` or KV's daily write
       * quota spent for today; `'contention'`: a put would lose to a write KV has just taken for
       * this key (this isolate's or another's, within KV's one write a second per key) or to an
       * entry stored there under newer tokens.
       */
      reason: 'admission' | 'budget' | 'contention'
    } & ReadEventBase)
  | {
      /**
       * A day's KV allowance is spent, once a day: `reason: 'budget'` when this isolate made its
       * `kvWriteBudget` writes (fills are memory-only until the next UTC day; tokens are still
       * written); `reason: 'quota'` when KV refused an operation because the account's daily limit
       * of it is spent (free plan: `KV put() limit exceeded for the day.`): the cache makes no such
       * call until 00:00 UTC.
       */
      type: 'kv-budget'
      state: 'exhausted'
      reason: 'budget' | 'quota'
      /** The kind of operation spent (`'write'` for `kvWriteBudget`). */
      op: KVOperation
      /** `kvWriteBudget`, when that is the reason. */
      limit?: number
      /** The UTC day, `YYYY-MM-DD`. */
      day: string
      /** When calls resume: the next 00:00 UTC, as an ISO string. */
      until: string
    }
