import type { ReadMethodName, ReadTarget } from '../adapter/adapterMethods.js'
import type { CacheContext } from '../context.js'
import { KVCacheMissError } from '../errors.js'
import { readEventFields } from '../events/readEvent.js'
import { controlOf } from '../request/cacheControl.js'
import { type Handling, releaseClaim, resolveRequest } from '../request/resolveRequest.js'
import type { BypassReason, CacheControl } from '../types.js'
import { answerBeforeTokens } from './beforeTokens.js'
import type { DatabaseOutcome } from './databaseRead.js'
import { hedgeDelay, within } from './hedge.js'
import { joinFlight, lookupMemory } from './lookup.js'
import { plannedRead } from './plannedRead.js'
import { planQuery, type QueryPlan } from './queryPlan.js'
import { type Lead, readThrough } from './readThrough.js'
import { currentFill, fillRead } from './recordFill.js'
import { staleIfError } from './staleIfError.js'

type Args = Record<string, unknown> & { req?: unknown }
type Call = () => Promise<unknown>

/** The collection or global a read is about, from its arguments. */
export const slugOf = (target: ReadTarget, args: Args): string =>
  String(
    target === 'collection' || target === 'collectionVersions'
      ? (args.collection ?? '')
      : (args.slug ?? args.global ?? ''),
  )

const bypass = (
  ctx: CacheContext,
  operation: ReadMethodName,
  slug: string,
  reason: BypassReason,
  call: Call,
): Promise<unknown> => {
  ctx.emit({
    type: 'bypass',
    reason,
    ...readEventFields(ctx.options, operation, slug, '', Date.now()),
  })
  return call()
}

type Taken = { snapshot: string | undefined; kvEntry?: string | null; known?: string }

/**
 * The invalidation snapshot a read is keyed by, taken *before* the database read: at once when
 * this isolate's view of the tokens is fresh, else from KV. When KV must be asked, the entry rides
 * along in the same bulk get (one round trip for a hit in a fresh isolate), unless this isolate's
 * memory probably holds it (the snapshot it last had still keys it): that key would be a billed
 * read for nothing. `known` is that last snapshot, fresh or not.
 */
const snapshotOf = (
  ctx: CacheContext,
  plan: QueryPlan,
  control: CacheControl | undefined,
): Taken | Promise<Taken> => {
  const snapshot = ctx.tokens.fresh(plan.tokenNames, Date.now())
  if (snapshot !== undefined) return { snapshot }
  const lookup = control?.mode !== 'refresh' && ctx.store.available
  let known: string | undefined
  return ctx.tokens
    .snapshot(plan.tokenNames, (last) => {
      known = last
      return lookup &&
        !(last !== undefined && ctx.memory.has(plan.query, last, Date.now(), ctx.staleMs))
        ? plan.storeKey()
        : undefined
    })
    .then(({ snapshot, along }) =>
      along === undefined ? { snapshot, known } : { snapshot, kvEntry: along, known },
    )
}

/**
 * A read that skips the cache because KV cannot say which invalidations are current (it failed,
 * timed out, or the circuit is open): identical ones in flight share one database read, and when
 * the database fails too, `staleIfError` may answer with a recent entry of this isolate's memory.
 */
const withoutTokens = async (
  ctx: CacheContext,
  plan: QueryPlan,
  handling: Extract<Handling, { control: unknown }>,
  started: number,
  writing: boolean,
  db: Promise<DatabaseOutcome>,
): Promise<unknown> => {
  ctx.emit({
    type: 'bypass',
    reason: 'kv-unavailable',
    ...readEventFields(ctx.options, plan.operation, plan.slug, '', started),
  })
  const outcome = await db
  if (outcome.ok) return outcome.result
  const request = { plan, snapshot: undefined, control: handling.control, started, writing }
  const stale = staleIfError(
    ctx,
    { ...request, user: Boolean(handling.request?.user) },
    outcome.error,
  )
  if (stale) return stale.value
  throw outcome.error
}

/**
 * The data path of one read, top to bottom. `target` says what the read returns data about (a
 * collection, its versions, a global); `call` is the adapter's own method.
 */
export const read = async (
  ctx: CacheContext,
  operation: ReadMethodName,
  target: ReadTarget,
  args: Args,
  call: Call,
): Promise<unknown> => {
  const started = Date.now()
  const slug = slugOf(target, args)
  // A read that fills a page cache goes to the database, its dependencies recorded (recordFill.ts).
  const fill = currentFill()
  if (fill) return fillRead(ctx, fill, operation, target, slug, args, call)
  const { policies } = ctx.configured
  const isGlobal = target === 'global' || target === 'globalVersions'
  const ttl = (isGlobal ? policies.globals : policies.collections).get(slug)
  if (ttl === undefined) {
    // Internal, auth (not opted in) or turned off; its control is still checked, so that a
    // mistake is as loud here as on a cached collection.
    controlOf(args.req)
    return call()
  }
  const { req, ...keyArgs } = args
  // Payload sets `transactionID` on the request of every write operation (a resolved `null` where
  // there are no transactions): its reads must never get an older answer (`staleIfError`).
  const writing = (req as { transactionID?: unknown } | undefined)?.transactionID !== undefined

  // 1. Whose read this is, and how it must be handled (request/resolveRequest.ts).
  const resolved = resolveRequest(ctx, operation, slug, req, keyArgs)
  const handling: Handling = resolved instanceof Promise ? await resolved : resolved
  if ('bypass' in handling) return bypass(ctx, operation, slug, handling.bypass, call)
  const { control } = handling
  const cacheOnlyMiss = () => {
    releaseClaim(ctx, handling)
    return new KVCacheMissError(operation, slug)
  }

  // 2. What it is: its key material and the tokens it depends on, once per query (queryPlan.ts).
  const plan = planQuery(ctx, operation, target, slug, keyArgs, handling.request?.context)
  if (typeof plan === 'string') return bypass(ctx, operation, slug, plan, call)

  // 3. The tokens as they are now, before the database read. When they must come from KV and KV
  // is slower than a hot read, the database read starts beside it (hedge.ts); not behind a layer
  // that lags (freshness/), where how fresh that read must be depends on the tokens.
  const taken = snapshotOf(ctx, plan, control)
  let tokens: Taken
  let early: Lead['early']
  if (!(taken instanceof Promise)) tokens = taken
  else {
    const waits = control?.mode === 'cache-only' || ctx.fresh !== undefined
    const inTime = waits ? undefined : await within(taken, hedgeDelay(ctx))
    if (inTime) tokens = inTime.value
    else if (waits) tokens = await taken
    else {
      const db = ctx.databaseReads.read(plan.query, ctx.tokens.changes, call)
      const first = await Promise.race([taken, db.then((outcome) => ({ outcome }))])
      if ('outcome' in first && first.outcome.ok) {
        return answerBeforeTokens(ctx, plan, control, ttl, started, first.outcome, taken)
      }
      tokens = 'outcome' in first ? await taken : first
      early = { db, knownBefore: tokens.known }
    }
  }
  const { snapshot, kvEntry } = tokens
  if (snapshot === undefined) {
    if (control?.mode === 'cache-only') {
      ctx.emit({ type: 'miss', ...readEventFields(ctx.options, operation, slug, '', started) })
      throw cacheOnlyMiss()
    }
    const db = early?.db ?? ctx.databaseReads.read(plan.query, ctx.tokens.changes, call)
    return withoutTokens(ctx, plan, handling, started, writing, db)
  }
  const planned = plannedRead(ctx, plan, snapshot, control, ttl, started, call)

  // 4. Look up: memory, then an identical read already in flight (lookup.ts). An invalidated
  // entry is never found: its tokens are in its identity.
  if (control?.mode !== 'refresh') {
    const found = lookupMemory(ctx, planned)
    if (found) return found.value
    const flight = joinFlight(ctx, planned)
    const shared = flight && (await flight)
    if (shared) return shared.value
  }

  // 5. Lead: KV (and the database beside it when KV is slow), then store; identical reads
  // meanwhile wait (readThrough.ts).
  return readThrough(ctx, planned, control, {
    kvEntry,
    onCacheOnlyMiss: cacheOnlyMiss,
    user: Boolean(handling.request?.user),
    writing,
    ...(early ? { early } : {}),
  })
}
