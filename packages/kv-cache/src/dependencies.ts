import type { SanitizedConfig } from 'payload'
import type { ReadTarget } from './methods.js'
import { internalSlugs } from './options.js'

/**
 * What a cached read depends on, and what a write makes stale, in invalidation tokens.
 *
 * A token is a short name for a slice of stored data; a write bumps the tokens of what it changed
 * and a read's entry is keyed by the tokens it depended on when it started:
 * - `c:B:list`  any change to collection B, its versions, or the join and path reads over it
 * - `c:B:items` a change to B whose documents are not known (updateMany, deleteMany)
 * - `c:B:id:X`  a change to document X of B
 * - `c:B:del`   a delete in B: foreign keys then null or remove references to B elsewhere, with
 *               no adapter call on the referencing collection
 * - `g:G`       any change to global G or its versions
 * - `all`       everything (`flush()`, migrations)
 *
 * A by-ID read of X in A depends on `c:A:items` and `c:A:id:X`, so it survives writes to other
 * documents of A. Every other read of A depends on `c:A:list`. Both also depend on `c:B:del` for
 * each collection B that A references (any depth: groups, arrays, blocks, tabs), on `c:B:list` for
 * each collection B that a join field of A reads, and on `c:B:list` for every collection that a
 * `where`, `sort`, join query or distinct `field` path walks through (`'author.name'`).
 */

type FieldNode = {
  /** Collections a relationship or upload field points to. */
  relationTo?: string[]
  /** Collections a join field reads. */
  join?: string[]
  /** Nested fields of a group, array, named tab or blocks field. */
  children?: FieldIndex
}
type FieldIndex = Map<string, FieldNode>

type AnyField = {
  type?: string
  name?: string
  fields?: AnyField[]
  tabs?: AnyField[]
  blocks?: { fields: AnyField[] }[]
  blockReferences?: (string | { fields: AnyField[] })[]
  relationTo?: string | string[]
  collection?: string | string[]
}

const asArray = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

type ConfigLike = Pick<SanitizedConfig, 'collections' | 'globals'> & {
  blocks?: { slug: string; fields: unknown[] }[]
}

const indexFields = (
  fields: AnyField[],
  blocks: Map<string, AnyField[]>,
  index: FieldIndex = new Map(),
): FieldIndex => {
  for (const field of fields) {
    const nested = (children: AnyField[]) =>
      field.name ? { children: indexFields(children, blocks) } : undefined
    switch (field.type) {
      case 'relationship':
      case 'upload':
        if (field.name) index.set(field.name, { relationTo: asArray(field.relationTo) })
        break
      case 'join':
        if (field.name) index.set(field.name, { join: asArray(field.collection) })
        break
      case 'tabs':
        for (const tab of field.tabs ?? []) {
          if (tab.name) index.set(tab.name, { children: indexFields(tab.fields ?? [], blocks) })
          else indexFields(tab.fields ?? [], blocks, index)
        }
        break
      case 'blocks': {
        const all: AnyField[] = []
        for (const block of field.blocks ?? []) all.push(...block.fields)
        for (const ref of field.blockReferences ?? []) {
          all.push(...(typeof ref === 'string' ? (blocks.get(ref) ?? []) : ref.fields))
        }
        if (field.name) index.set(field.name, { children: indexFields(all, blocks) })
        break
      }
      case 'array':
      case 'group': {
        // An unnamed group is presentational: its fields live on the parent.
        const node = nested(field.fields ?? [])
        if (node && field.name) index.set(field.name, node)
        else indexFields(field.fields ?? [], blocks, index)
        break
      }
      case 'row':
      case 'collapsible':
        indexFields(field.fields ?? [], blocks, index)
        break
      default:
        if (field.name) index.set(field.name, {})
    }
  }
  return index
}

const collect = (index: FieldIndex, pick: (node: FieldNode) => string[] | undefined): string[] => {
  const out = new Set<string>()
  const walk = (fields: FieldIndex) => {
    for (const node of fields.values()) {
      for (const slug of pick(node) ?? []) out.add(slug)
      if (node.children) walk(node.children)
    }
  }
  walk(index)
  return [...out]
}

type ScopeGraph = {
  fields: FieldIndex
  /** Collections this scope stores references to. */
  references: string[]
  /** Collections its join fields read. */
  joins: string[]
}

export type ReadDescription = {
  target: ReadTarget
  slug: string
  args: Record<string, unknown>
  /** Set for a read that can only return document `id` of the collection. */
  id?: number | string
}

export type WriteDescription = {
  target: 'collection' | 'global' | 'jobs'
  slug: string
  deletes?: boolean
  versions?: boolean
  /** The documents written, when known; otherwise the whole collection's items are stale. */
  ids?: (number | string)[]
}

const idFrom = (where: unknown): number | string | undefined => {
  if (!where || typeof where !== 'object') return undefined
  const w = where as Record<string, unknown>
  const id = w.id as Record<string, unknown> | undefined
  if (id && typeof id === 'object' && Object.keys(id).length === 1) {
    const value = id.equals
    if (typeof value === 'string' || typeof value === 'number') return value
  }
  // Any conjunct that pins the id pins the whole result (findByID adds access rules this way).
  if (Array.isArray(w.and)) {
    for (const part of w.and) {
      const found = idFrom(part)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** The id a read or write is restricted to, when its `where` pins one. */
export const idFromWhere = idFrom

const ITEM_OPERATIONS = new Set(['count', 'find', 'findOne'])

export class Dependencies {
  readonly #collections = new Map<string, ScopeGraph>()
  readonly #globals = new Map<string, ScopeGraph>()
  /** Collections whose changes some cached read can see. */
  readonly #watched = new Set<string>()
  /** Collections whose deletes some cached read can see (through foreign keys). */
  readonly #referenced = new Set<string>()

  constructor(
    config: ConfigLike,
    cached: { collections: Iterable<string>; globals: Iterable<string> },
  ) {
    const blocks = new Map<string, AnyField[]>()
    for (const block of config.blocks ?? []) blocks.set(block.slug, block.fields as AnyField[])
    const graph = (fields: unknown[]): ScopeGraph => {
      const index = indexFields(fields as AnyField[], blocks)
      return {
        fields: index,
        references: collect(index, (node) => node.relationTo),
        joins: collect(index, (node) => node.join),
      }
    }
    for (const c of config.collections) this.#collections.set(c.slug, graph(c.fields))
    for (const g of config.globals) this.#globals.set(g.slug, graph(g.fields))

    // Everything reachable from a cached scope through references and joins can shape its reads.
    const queue: string[] = []
    const visit = (scope: ScopeGraph | undefined) => {
      for (const slug of [...(scope?.references ?? []), ...(scope?.joins ?? [])]) {
        if (!this.#watched.has(slug)) {
          this.#watched.add(slug)
          queue.push(slug)
        }
      }
      for (const slug of scope?.references ?? []) this.#referenced.add(slug)
    }
    for (const slug of cached.collections) {
      this.#watched.add(slug)
      queue.push(slug)
    }
    for (const slug of cached.globals) visit(this.#globals.get(slug))
    for (let slug = queue.pop(); slug !== undefined; slug = queue.pop()) {
      visit(this.#collections.get(slug))
    }
  }

  /** Walks one dotted path from `index`, adding `c:T:list` for every collection it passes through. */
  #path(index: FieldIndex | undefined, path: string, out: Set<string>): void {
    const segments = path.replace(/^-/, '').split('.')
    let current = index
    for (let i = 0; i < segments.length && current; i++) {
      const node = current.get(segments[i] as string)
      if (!node) return
      const targets = node.relationTo ?? node.join
      if (targets) {
        if (i === segments.length - 1) return // the stored reference itself
        for (const slug of targets) out.add(`c:${slug}:list`)
        if (segments[i + 1] === 'value' || segments[i + 1] === 'relationTo') i++ // polymorphic
        current = this.#union(targets)
        continue
      }
      current = node.children
    }
  }

  #union(slugs: string[]): FieldIndex {
    if (slugs.length === 1) return this.#collections.get(slugs[0] as string)?.fields ?? new Map()
    const merged: FieldIndex = new Map()
    for (const slug of slugs) {
      for (const [name, node] of this.#collections.get(slug)?.fields ?? []) {
        const seen = merged.get(name)
        merged.set(name, {
          children: node.children ?? seen?.children,
          relationTo: [...(seen?.relationTo ?? []), ...(node.relationTo ?? [])],
        })
      }
    }
    return merged
  }

  #where(index: FieldIndex | undefined, where: unknown, out: Set<string>): void {
    if (!where || typeof where !== 'object') return
    for (const [key, value] of Object.entries(where)) {
      if ((key === 'and' || key === 'or') && Array.isArray(value)) {
        for (const part of value) this.#where(index, part, out)
      } else {
        this.#path(index, key, out)
      }
    }
  }

  #sort(index: FieldIndex | undefined, sort: unknown, out: Set<string>): void {
    for (const path of Array.isArray(sort) ? sort : [sort]) {
      if (typeof path === 'string') this.#path(index, path, out)
    }
  }

  /** The item a read is restricted to, when it qualifies for item granularity. */
  itemOf(operation: string, target: ReadTarget, args: Record<string, unknown>) {
    if (target !== 'collection' || !ITEM_OPERATIONS.has(operation)) return undefined
    return idFromWhere(args.where)
  }

  /** Token names (without namespace) that a read's result depends on. */
  readTokens(read: ReadDescription): string[] {
    const out = new Set<string>(['all'])
    const isGlobal = read.target === 'global' || read.target === 'globalVersions'
    const scope = (isGlobal ? this.#globals : this.#collections).get(read.slug)
    const { args } = read
    if (isGlobal) {
      out.add(`g:${read.slug}`)
    } else if (read.id !== undefined) {
      out.add(`c:${read.slug}:items`)
      out.add(`c:${read.slug}:id:${String(read.id)}`)
    } else {
      out.add(`c:${read.slug}:list`)
    }
    for (const slug of scope?.references ?? []) out.add(`c:${slug}:del`)

    let index = scope?.fields
    if (read.target === 'collectionVersions' || read.target === 'globalVersions') {
      index = new Map<string, FieldNode>([['version', { children: scope?.fields ?? new Map() }]])
      if (!isGlobal) index.set('parent', { relationTo: [read.slug] })
    }
    this.#where(index, args.where, out)
    this.#sort(index, args.sort, out)
    if (typeof args.field === 'string') this.#path(index, args.field, out)

    // queryDrafts and findVersions return joins too, so every collection read depends on them.
    if (args.joins !== false && !isGlobal) {
      for (const slug of scope?.joins ?? []) out.add(`c:${slug}:list`)
      const joins = args.joins
      if (joins && typeof joins === 'object') {
        for (const [path, query] of Object.entries(joins as Record<string, unknown>)) {
          const node = this.#joinNode(scope?.fields, path)
          if (!node?.join || !query || typeof query !== 'object') continue
          const joined = this.#union(node.join)
          const q = query as Record<string, unknown>
          this.#where(joined, q.where, out)
          this.#sort(joined, q.sort, out)
        }
      }
    }
    const relatedAccess = args.relatedAccess
    if (relatedAccess && typeof relatedAccess === 'object') {
      for (const [slug, where] of Object.entries(relatedAccess as Record<string, unknown>)) {
        out.add(`c:${slug}:list`)
        this.#where(this.#collections.get(slug)?.fields, where, out)
      }
    }
    return [...out]
  }

  #joinNode(index: FieldIndex | undefined, path: string): FieldNode | undefined {
    let node: FieldNode | undefined
    let current = index
    for (const segment of path.split('.')) {
      node = current?.get(segment)
      current = node?.children
    }
    return node
  }

  /** Token names (without namespace) a write makes stale. Empty when no cached read can see it. */
  writeTokens(write: WriteDescription): string[] {
    if (write.target === 'jobs' || internalSlugs.has(write.slug)) return []
    if (write.target === 'global') return [`g:${write.slug}`]
    const out: string[] = []
    if (this.#watched.has(write.slug)) {
      out.push(`c:${write.slug}:list`)
      // Versions are read only by list-shaped reads and joins: by-ID reads stay valid.
      if (!write.versions) {
        if (write.ids?.length) {
          for (const id of write.ids) out.push(`c:${write.slug}:id:${String(id)}`)
        } else {
          out.push(`c:${write.slug}:items`)
        }
      }
    }
    if (write.deletes && !write.versions && this.#referenced.has(write.slug)) {
      out.push(`c:${write.slug}:del`)
    }
    return out
  }
}
