import type { CacheContext } from '../context.js'
import {
  ALL,
  collectionItems,
  collectionList,
  documentToken,
  entityOfToken,
  globalToken,
} from '../storage/tokenNames.js'
import type { CacheEvent, Invalidated, InvalidationTarget } from '../types.js'
import type { TransactionID } from './transactions.js'

/**
 * The write side of invalidation, one input throughout: token names (`storage/tokenNames.ts`).
 * `tokensOf` turns the public targets into names; `invalidateAfterCommit` applies names now or
 * when their transaction commits; `bump` replaces them, in this isolate at once and in KV.
 */

/** Why `target` is not one this Payload instance can invalidate, or `undefined` when it is. */
export const targetProblem = (
  config: {
    collections: ReadonlyArray<{ slug: string }>
    globals: ReadonlyArray<{ slug: string }>
  },
  target: unknown,
): string | undefined => {
  if (target === 'all') return undefined
  if (target && typeof target === 'object') {
    const { collection, global, id, ...rest } = target as Record<string, unknown>
    if (Object.keys(rest).length) return `not an invalidation target: ${JSON.stringify(target)}`
    if (typeof collection === 'string' && global === undefined) {
      if (!config.collections.some((each) => each.slug === collection)) {
        return `unknown collection '${collection}'`
      }
      if (id === undefined || typeof id === 'string' || typeof id === 'number') return undefined
    }
    if (typeof global === 'string' && collection === undefined && id === undefined) {
      const known = config.globals.some((each) => each.slug === global)
      return known ? undefined : `unknown global '${global}'`
    }
  }
  return `not an invalidation target: ${JSON.stringify(target)}`
}

/** The token names of valid targets; a document's id canonical, as a write's. */
export const tokensOf = (ctx: CacheContext, targets: readonly InvalidationTarget[]): string[] => {
  const names = new Set<string>()
  for (const target of targets) {
    if (target === 'all') names.add(ALL)
    else if ('global' in target) names.add(globalToken(target.global))
    else {
      const { collection } = target
      const id =
        target.id === undefined
          ? undefined
          : ctx.configured.dependencies.canonicalID(collection, target.id)
      names.add(collectionList(collection))
      names.add(id === undefined ? collectionItems(collection) : documentToken(collection, id))
    }
  }
  return [...names]
}

/** What token names say was changed, in Payload's terms (the `committed` event). */
export const invalidatedBy = (names: readonly string[]): Invalidated => {
  const out: Invalidated = { all: false, collections: {}, globals: [] }
  for (const name of names) {
    const entity = entityOfToken(name)
    if (entity.kind === 'all') out.all = true
    else if (entity.kind === 'global') {
      if (!out.globals.includes(entity.slug)) out.globals.push(entity.slug)
    } else {
      const collection = out.collections[entity.slug] ?? { documents: 'none', lists: false }
      out.collections[entity.slug] = collection
      if (name === collectionList(entity.slug)) collection.lists = true
      else if (name === collectionItems(entity.slug)) collection.documents = 'all'
      else if (collection.documents !== 'all') {
        const id = name.slice(documentToken(entity.slug, '').length)
        collection.documents =
          collection.documents === 'none' ? [id] : [...collection.documents, id]
      }
    }
  }
  return out
}

/** Where the database is now, for a lagging layer's readers to wait for; never throws. */
const positionNow = async (ctx: CacheContext, external: boolean): Promise<string | undefined> => {
  if (!ctx.fresh?.positionKind) return undefined
  try {
    return await ctx.fresh.position(external)
  } catch {
    return undefined // no position: readers go to the primary
  }
}

/**
 * Replaces these tokens: every entry keyed by them is stale, at once in this isolate and in KV
 * with one put a token. Behind a lagging layer the new values record how far the database had got
 * (`freshness/`); `external`: the change may have been made outside this adapter (`flush`,
 * `invalidate`). One `invalidate` event per collection or global touched, then one `committed`
 * event for the whole.
 */
export const bump = async (
  ctx: CacheContext,
  names: readonly string[],
  external = false,
): Promise<void> => {
  const byEntity = new Map<string, { event: CacheEvent; targets: string[] }>()
  for (const name of names) {
    const entity = entityOfToken(name)
    const key = entity.kind === 'all' ? '*' : `${entity.kind}:${entity.slug}`
    let group = byEntity.get(key)
    if (!group) {
      const targets: string[] = []
      group = {
        targets,
        event:
          entity.kind === 'all'
            ? { type: 'invalidate', scope: 'all', slug: undefined, targets }
            : { type: 'invalidate', scope: entity.kind, slug: entity.slug, targets },
      }
      byEntity.set(key, group)
    }
    group.targets.push(name)
  }
  for (const { event } of byEntity.values()) ctx.emit(event)
  await ctx.tokens.bump([...names], await positionNow(ctx, external))
  ctx.emit({ type: 'committed', invalidated: invalidatedBy(names) })
}

/** Invalidates now, or when `transaction` commits (nothing, if it rolls back). */
export const invalidateAfterCommit = async (
  ctx: CacheContext,
  names: readonly string[],
  transaction: TransactionID | undefined,
  external = false,
): Promise<void> => {
  if (!names.length) return
  if (transaction !== undefined) ctx.pending.add(transaction, names)
  else await bump(ctx, names, external)
}
