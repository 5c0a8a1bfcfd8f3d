import type { ReadTarget } from '../adapter/adapterMethods.js'
import {
  ALL,
  collectionItems,
  collectionList,
  collectionOfToken,
  documentToken,
  globalToken,
} from '../storage/tokenNames.js'
import { canonicalID } from './ids.js'
import { logicalOperator, newWalk, QueryPaths } from './queryPaths.js'
import { type ConfigLike, type Entity, Schema } from './schema.js'

/**
 * What a cached read depends on, and what a write makes stale, in invalidation tokens (named in
 * `storage/tokenNames.ts`): a write bumps the tokens of what it changed and a read's entry is keyed
 * by the tokens it depended on when it started.
 *
 * A by-ID read of X in A depends on `c:A:items` and `c:A:id:X`, so it survives writes to other
 * documents of A; every other read of A depends on `c:A:list`. Every read also depends on
 * `c:B:list` for every collection B its query walks into (`where`, `sort`, join queries, a
 * distinct `field`, through relationships and joins) and every collection A's joins read. A
 * query the walker cannot place (see `queryPaths.ts`) depends on `list` of every collection
 * reachable from A: coarse, never nothing.
 *
 * Deleting a document of C changes the rows of every collection B and global G that reference C
 * (foreign keys null or remove the references) without an adapter call on B or G. So the delete
 * also bumps `c:B:list` and `c:B:items` of every such B, and `g:G`: reads never carry a token per
 * referenced collection, which keeps a fresh isolate's token reads few (deletes are rare, reads
 * are not), and every read that sees B's rows (of B, by ID in B, through B on a path or a join)
 * already depends on one of those.
 */

export type ReadDescription = {
  target: ReadTarget
  slug: string
  args: Record<string, unknown>
  /** Set for a read that can only return one document of the collection: its canonical id. */
  id?: string
}

export type WriteDescription = {
  target: 'collection' | 'global'
  slug: string
  deletes?: boolean
  versions?: boolean
  /** The documents written, as given or as stored (none: `[]`); `undefined` when not known. */
  ids?: unknown[]
}

/** The id a `where` pins: `id: { equals: X }` at the top or in any conjunct (`and`, any case). */
export const idFromWhere = (where: unknown): number | string | undefined => {
  if (!where || typeof where !== 'object' || Array.isArray(where)) return undefined
  for (const [key, value] of Object.entries(where)) {
    if (key === 'id' && value && typeof value === 'object' && !Array.isArray(value)) {
      const operators = Object.keys(value)
      const pinned = (value as { equals?: unknown }).equals
      if (
        operators.length === 1 &&
        operators[0] === 'equals' &&
        (typeof pinned === 'string' || typeof pinned === 'number')
      ) {
        return pinned
      }
    }
    // Any conjunct that pins the id pins the whole result (findByID adds access rules this way).
    if (logicalOperator(key) === 'and' && Array.isArray(value)) {
      for (const part of value) {
        const found = idFromWhere(part)
        if (found !== undefined) return found
      }
    }
  }
  return undefined
}

const ITEM_OPERATIONS = new Set(['count', 'find', 'findOne'])

export class Dependencies {
  readonly schema: Schema
  readonly #paths: QueryPaths
  /** Collections whose changes some cached read can see. */
  readonly #watched = new Set<string>()
  /** For a collection C: the tokens its deletes make stale elsewhere (see above). */
  readonly #referrers = new Map<string, Set<string>>()

  constructor(
    config: ConfigLike,
    adapter: { name?: string; defaultIDType?: string; idType?: unknown },
    cached: { collections: Iterable<string>; globals: Iterable<string> },
  ) {
    this.schema = new Schema(config, adapter)
    this.#paths = new QueryPaths(this.schema)
    const entities: Entity[] = []
    for (const slug of cached.collections) {
      for (const reached of this.schema.reachable('collection', slug)) this.#watched.add(reached)
    }
    for (const slug of cached.globals) {
      for (const reached of this.schema.reachable('global', slug)) this.#watched.add(reached)
      const global = this.schema.globals.get(slug)
      if (global) entities.push(global)
    }
    for (const slug of this.#watched) {
      const collection = this.schema.collections.get(slug)
      if (collection) entities.push(collection)
    }
    for (const entity of entities) {
      const tokens =
        entity.kind === 'global'
          ? [globalToken(entity.slug)]
          : [collectionList(entity.slug), collectionItems(entity.slug)]
      for (const slug of entity.references) {
        const referrers = this.#referrers.get(slug) ?? new Set<string>()
        this.#referrers.set(slug, referrers)
        for (const token of tokens) referrers.add(token)
      }
    }
  }

  /** The canonical id of a document of `slug`, or `undefined` when it cannot be placed. */
  canonicalID(slug: string, id: unknown): string | undefined {
    const entity = this.schema.collections.get(slug)
    return entity ? canonicalID(entity.idType, id) : undefined
  }

  /** The document a read is restricted to, when it qualifies for item granularity. */
  itemOf(operation: string, target: ReadTarget, args: Record<string, unknown>): string | undefined {
    if (target !== 'collection' || !ITEM_OPERATIONS.has(operation)) return undefined
    const id = idFromWhere(args.where)
    return id === undefined ? undefined : this.canonicalID(String(args.collection ?? ''), id)
  }

  /**
   * Token names (without namespace) that a read's result depends on, or `undefined` when the read
   * depends on data whose writes this cache does not track (then it must not be cached).
   */
  readTokens(read: ReadDescription): string[] | undefined {
    const isGlobal = read.target === 'global' || read.target === 'globalVersions'
    const entity = this.schema.entity(isGlobal ? 'global' : 'collection', read.slug)
    if (!entity) return undefined
    const out = new Set<string>([ALL])
    if (isGlobal) out.add(globalToken(read.slug))
    else if (read.id !== undefined) {
      out.add(collectionItems(read.slug))
      out.add(documentToken(read.slug, read.id))
    } else out.add(collectionList(read.slug))

    const { args } = read
    const versions = read.target === 'collectionVersions' || read.target === 'globalVersions'
    const fields = versions ? entity.versionFields : entity.fields
    const walk = newWalk()
    this.#paths.where(fields, args.where, walk)
    this.#paths.sort(fields, args.sort, walk)
    if (args.field !== undefined) {
      if (typeof args.field === 'string') this.#paths.path(fields, args.field, walk)
      else walk.unknown = true
    }
    // findDistinct: access rules of the collections its field path walks through, by path.
    if (args.relatedAccess !== undefined) {
      const related = args.relatedAccess
      if (!related || typeof related !== 'object') walk.unknown = true
      else {
        for (const [path, where] of Object.entries(related)) {
          this.#paths.where(fields, { [path]: { contains: where } }, walk)
        }
      }
    }
    // queryDrafts and findVersions return joins too, so every collection read depends on them.
    if (!isGlobal) this.#paths.joins(entity, args.joins, walk)

    const crossed = walk.unknown ? this.schema.reachable(entity.kind, entity.slug) : walk.crossed
    for (const slug of crossed) {
      // Also the read's own collection when its query walks back into it (a self-relationship):
      // a by-ID read then depends on other documents too.
      out.add(collectionList(slug))
      if (!this.schema.collections.has(slug)) return undefined
    }
    for (const token of out) {
      const slug = collectionOfToken(token)
      // A dependency on a collection whose writes are not tracked would never be invalidated.
      if (slug !== undefined && !this.#watched.has(slug)) return undefined
    }
    return [...out]
  }

  /** Token names (without namespace) a write makes stale. Empty when no cached read can see it. */
  writeTokens(write: WriteDescription): string[] {
    if (write.target === 'global') return [globalToken(write.slug)]
    const out: string[] = []
    if (this.#watched.has(write.slug)) {
      out.push(collectionList(write.slug))
      // Versions are read only by list-shaped reads and joins: by-ID reads stay valid.
      if (!write.versions) {
        // The ids as the database matches them; one that cannot be placed stales them all.
        const ids = write.ids?.map((id) => this.canonicalID(write.slug, id))
        if (ids?.every((id) => id !== undefined)) {
          for (const id of new Set(ids)) out.push(documentToken(write.slug, id as string))
        } else {
          out.push(collectionItems(write.slug))
        }
      }
    }
    if (write.deletes && !write.versions) {
      for (const token of this.#referrers.get(write.slug) ?? []) out.push(token)
    }
    return out
  }
}
