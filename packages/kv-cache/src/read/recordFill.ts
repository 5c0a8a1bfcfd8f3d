import { AsyncLocalStorage } from 'node:async_hooks'
import type { ReadMethodName, ReadTarget } from '../adapter/adapterMethods.js'
import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import { controlOf } from '../request/cacheControl.js'

/**
 * A fill: reads whose answers fill a cache *above* this one (a page cache: Next.js's incremental
 * cache, an ISR page). Such a cache keeps what it was given until it is told it is stale, so what
 * it is given must be the database's current answer, and it must know what that answer depends on:
 *
 * - every read in a fill goes to the database and stores nothing (as `bypass: true`), whatever the
 *   request's own cache control says: this isolate's view of the invalidation tokens may lag a
 *   write made elsewhere by the cross-isolate bound, and a page rendered from such a view would be
 *   kept as fresh until the next write;
 * - behind a layer that can answer older than the primary (D1 or PostgreSQL read replicas,
 *   Hyperdrive's cache: `freshness/`), it reads the primary, as a miss under tokens that say
 *   nothing of how far their writes reach does; where that cannot be done, the slug is recorded as
 *   `lagging`;
 * - the invalidation tokens each read depends on are recorded, computed by the same dependency
 *   walk that keys the cache's own entries (`dependencies/dependencies.ts`), so that a caller can
 *   tag what it fills with them and revalidate it from the `committed` events of writes.
 *
 * Carried by AsyncLocalStorage through every read `fn` makes (relationship population and
 * `findByID`'s context-less `findOne` included). Nested fills record into their outer ones too.
 */
type Fill = {
  readonly tokens: Set<string>
  /** Collections and globals read whose writes the cache does not track: nothing would say they changed. */
  readonly untracked: Set<string>
  /** Collections and globals read through a layer that may lag and could not be sent to the primary. */
  readonly lagging: Set<string>
  readonly outer: Fill | undefined
}

/**
 * One scope for every copy of this module in the process: Next.js bundles a package once per
 * layer, and the copy that wrapped the adapter (perhaps a route handler's) must see a fill begun by
 * another (a server component's), as `registry.ts` shares the caches.
 */
const global = globalThis as { [key: symbol]: AsyncLocalStorage<Fill> | undefined }
const FILL = Symbol.for('payload-kv-cache.fill')
const fillScope = global[FILL] ?? new AsyncLocalStorage<Fill>()
global[FILL] = fillScope

/** What a fill read, and what it answered. */
export type FillRecord<T> = {
  value: T
  /** Invalidation token names the reads depended on (`storage/tokenNames.ts`). */
  tokens: string[]
  /** Slugs read whose writes are not tracked (so no `committed` event would name them). */
  untracked: string[]
  /**
   * Slugs read through a layer that can answer older than the primary (a D1 binding that is
   * already a session, Hyperdrive's cache on the only binding) and that could not be made to read
   * the primary: their answers may predate the write that revalidated the page.
   */
  lagging: string[]
}

/** Runs `fn` as a fill (see above) and returns its value with what its reads depended on. */
export const recordFill = async <T>(fn: () => T | Promise<T>): Promise<FillRecord<T>> => {
  const fill: Fill = {
    tokens: new Set(),
    untracked: new Set(),
    lagging: new Set(),
    outer: fillScope.getStore(),
  }
  const value = await fillScope.run(fill, fn)
  return {
    value,
    tokens: [...fill.tokens],
    untracked: [...fill.untracked],
    lagging: [...fill.lagging],
  }
}

/** The fill the current read belongs to, if any (one AsyncLocalStorage lookup). */
export const currentFill = (): Fill | undefined => fillScope.getStore()

/**
 * A read inside a fill: its dependencies recorded, then the database. Its cache control is still
 * validated, so that a mistake is as loud here as anywhere.
 */
export const fillRead = (
  ctx: CacheContext,
  fill: Fill,
  operation: ReadMethodName,
  target: ReadTarget,
  slug: string,
  args: Record<string, unknown> & { req?: unknown },
  call: () => Promise<unknown>,
): Promise<unknown> => {
  controlOf(args.req)
  const { req, ...keyArgs } = args
  const { dependencies, policies } = ctx.configured
  const id = dependencies.itemOf(operation, target, keyArgs)
  const tokens = dependencies.readTokens({ target, slug, args: keyArgs, id })
  for (let each: Fill | undefined = fill; each; each = each.outer) {
    if (tokens) for (const token of tokens) each.tokens.add(token)
    else each.untracked.add(slug)
  }
  // Counted as the bypass it is, where the read would have used the cache (as in read.ts).
  const global = target === 'global' || target === 'globalVersions'
  if ((global ? policies.globals : policies.collections).has(slug)) {
    ctx.emit({
      type: 'bypass',
      reason: 'request',
      ...readEventFields(ctx.options, operation, slug, '', Date.now()),
    })
  }
  const source = ctx.fresh
  if (!source) return call()
  // Nothing known of the writes this render must see: the source's answer to that is the primary.
  return source.read(undefined, call).then((fresh) => {
    if (!fresh.storable)
      for (let each: Fill | undefined = fill; each; each = each.outer) each.lagging.add(slug)
    return fresh.result
  })
}
