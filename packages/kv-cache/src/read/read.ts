import type { ReadMethodName, ReadTarget } from '../adapter/adapterMethods.js'
import type { CacheContext } from '../context.js'
import { KVCacheMissError } from '../errors.js'
import { readEventFields } from '../events/readEvent.js'
import { controlOf } from '../request/cacheControl.js'
import { type Handling, releaseClaim, resolveRequest } from '../request/resolveRequest.js'
import { entryIdentity } from '../storage/entryFormat.js'
import type { BypassReason, CacheControl } from '../types.js'
import { joinFlight, lookupMemory } from './lookup.js'
import type { PlannedRead } from './plannedRead.js'
import { planQuery, type QueryPlan } from './queryPlan.js'
import { readThrough } from './readThrough.js'
import { currentFill, fillRead } from './recordFill.js'

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

/**
 * The invalidation snapshot a read is keyed by, taken *before* the database read: at once when
 * this isolate's view of the tokens is fresh, else from KV. When KV must be asked, the entry rides
 * along in the same bulk get (one round trip for a hit in a fresh isolate), unless this isolate's
 * memory probably holds it (the snapshot it last had still keys it): that key would be a billed
 * read for nothing.
 */
const snapshotOf = (
  ctx: CacheContext,
  plan: QueryPlan,
  control: CacheControl | undefined,
):
  | { snapshot: string | undefined; kvEntry?: string | null }
  | Promise<{ snapshot: string | undefined; kvEntry?: string | null }> => {
  const snapshot = ctx.tokens.fresh(plan.tokenNames, Date.now())
  if (snapshot !== undefined) return { snapshot }
  const lookup = control?.mode !== 'refresh' && ctx.store.available
  return ctx.tokens
    .snapshot(plan.tokenNames, (known) =>
      lookup && !(known !== undefined && ctx.memory.has(plan.query, known, Date.now(), ctx.staleMs))
        ? plan.storeKey()
        : undefined,
    )
    .then(({ snapshot, along }) =>
      along === undefined ? { snapshot } : { snapshot, kvEntry: along },
    )
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

  // 3. The tokens as they are now, before the database read.
  const taken = snapshotOf(ctx, plan, control)
  const { snapshot, kvEntry } = taken instanceof Promise ? await taken : taken
  if (snapshot === undefined) {
    if (control?.mode === 'cache-only') {
      ctx.emit({ type: 'miss', ...readEventFields(ctx.options, operation, slug, '', started) })
      throw cacheOnlyMiss()
    }
    return bypass(ctx, operation, slug, 'kv-unavailable', call)
  }
  const planned: PlannedRead = {
    plan,
    snapshot,
    identity: entryIdentity(operation, slug, plan.material, snapshot),
    ttl: Math.min(control?.ttl ?? ttl, ctx.maxTtl),
    started,
    call,
  }

  // 4. Look up: memory, then an identical read already in flight (lookup.ts). An invalidated
  // entry is never found: its tokens are in its identity.
  if (control?.mode !== 'refresh') {
    const found = lookupMemory(ctx, planned)
    if (found) return found.value
    const flight = joinFlight(ctx, planned)
    const shared = flight && (await flight)
    if (shared) return shared.value
  }

  // 5. Lead: KV, then the database, then store; identical reads meanwhile wait (readThrough.ts).
  return readThrough(ctx, planned, control, kvEntry, cacheOnlyMiss)
}
