import { isNestedRelationshipQuery, validOperatorSet } from 'payload/shared'
import { asArray, type Entity, type Field, type Join, type Schema } from './schema.js'

/**
 * Which collections a read's query walks into, resolved the way Payload and `@payloadcms/drizzle`
 * resolve it (`parseParams`, `getTableColumnFromPath`, `buildOrderBy`, `sanitizeJoinQuery`):
 * `and` / `or` in any letter case, `__` as a path separator, a nested `where` under `contains` on a
 * relationship or join, locale segments after localized fields, `relationTo` / `value` after
 * polymorphic relationships, virtual fields, blocks, groups, arrays and tabs.
 *
 * It fails closed: whatever it cannot place with certainty (a key that names no field, an operator
 * it does not know, a value of a shape it does not expect) sets `unknown`, and the caller then makes
 * the read depend on every collection the read could reach.
 */
export type Walk = {
  /** Collections whose rows the query reads beyond the read's own (their `list` tokens). */
  crossed: Set<string>
  /** Something could not be placed: depend on everything reachable. */
  unknown: boolean
}

export const newWalk = (): Walk => ({ crossed: new Set(), unknown: false })

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `and` / `or` in any letter case, as Payload and the drizzle adapters compare them. */
export const logicalOperator = (key: string): 'and' | 'or' | undefined => {
  const lower = key.toLowerCase()
  return lower === 'and' || lower === 'or' ? lower : undefined
}

/** `categories: { contains: { name: {...} } }` is `categories.name: {...}` (drizzle's `prefixJoinContainsWhere`). */
const prefixWhere = (prefix: string, where: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(where)) {
    if (logicalOperator(key) !== undefined && Array.isArray(value)) {
      out[key] = value.map((part) => (isObject(part) ? prefixWhere(prefix, part) : part))
    } else {
      out[`${prefix}.${key}`] = value
    }
  }
  return out
}

/** Keys of one join's query that the adapter reads (`sanitizeJoinQuery`'s output). */
const JOIN_QUERY_KEYS = new Set(['count', 'limit', 'page', 'sort', 'where'])

export class QueryPaths {
  readonly #schema: Schema

  constructor(schema: Schema) {
    this.#schema = schema
  }

  /** A `where` over `fields` (the root fields of `entity`, or of a joined collection). */
  where(fields: Field[], where: unknown, walk: Walk): void {
    if (where === undefined || where === null) return
    if (!isObject(where)) {
      walk.unknown = true
      return
    }
    for (const [key, value] of Object.entries(where)) {
      if (logicalOperator(key) !== undefined) {
        if (Array.isArray(value)) for (const part of value) this.where(fields, part, walk)
        else walk.unknown = true
        continue
      }
      if (value === undefined) continue
      if (!isObject(value)) {
        walk.unknown = true
        continue
      }
      const path = key.replace(/__/g, '.')
      let walked = false
      for (const [operator, operand] of Object.entries(value)) {
        if (operator === 'contains' && isNestedRelationshipQuery(operand)) {
          const target = this.#fieldAt(fields, path.split('.'))
          if (target === 'unknown') {
            walk.unknown = true
            continue
          }
          const relation =
            target.type === 'relationship' || target.type === 'upload' || target.type === 'join'
          if (relation) {
            this.where(fields, prefixWhere(key, operand as Record<string, unknown>), walk)
            continue
          }
        }
        if (!validOperatorSet.has(operator as never)) {
          walk.unknown = true
          continue
        }
        if (!walked) {
          this.path(fields, path, walk)
          walked = true
        }
      }
    }
  }

  /** A `sort`: a path or a list of paths, each optionally prefixed with `-`. */
  sort(fields: Field[], sort: unknown, walk: Walk): void {
    if (sort === undefined || sort === null || sort === '') return
    const items = typeof sort === 'string' ? [sort] : Array.isArray(sort) ? sort : undefined
    if (!items) {
      walk.unknown = true
      return
    }
    for (const item of items) {
      if (typeof item !== 'string') {
        walk.unknown = true
        continue
      }
      const path = item.startsWith('-') ? item.slice(1) : item
      this.path(fields, path.replace(/__/g, '.'), walk)
    }
  }

  /** A dotted path (a `where` key, a sort, `findDistinct`'s `field`). */
  path(fields: Field[], path: string, walk: Walk): void {
    this.#segments(fields, fields, path.split('.'), false, walk)
  }

  /**
   * The joins a read of `entity` reads: every join field (joins on, unless `joins: false`), with
   * its configured `where` and default sort, and the read's own `joins` queries.
   */
  joins(entity: Entity, joins: unknown, walk: Walk): void {
    if (joins === false) return
    for (const join of entity.joins) {
      for (const slug of join.collections) walk.crossed.add(slug)
      this.#joined(
        join,
        (fields) => {
          const inner = newWalk()
          this.where(fields, join.field.where, inner)
          this.sort(fields, join.field.defaultSort, inner)
          for (const slug of join.collections) {
            this.sort(fields, this.#schema.collections.get(slug)?.defaultSort, inner)
          }
          return inner
        },
        walk,
      )
    }
    if (joins === undefined || joins === null) return
    if (!isObject(joins)) {
      walk.unknown = true
      return
    }
    for (const [path, query] of Object.entries(joins)) {
      const join = entity.joins.find((candidate) => candidate.path === path)
      if (!join) {
        walk.unknown = true
        continue
      }
      if (query === false || query === undefined) continue
      if (!isObject(query) || Object.keys(query).some((key) => !JOIN_QUERY_KEYS.has(key))) {
        walk.unknown = true
        continue
      }
      this.#joined(
        join,
        (fields) => {
          const inner = newWalk()
          this.where(fields, query.where, inner)
          this.sort(fields, query.sort, inner)
          return inner
        },
        walk,
      )
    }
  }

  /**
   * Runs `resolve` over each collection a join reads and merges the results. A polymorphic join's
   * query may use `relationTo` and fields that only some of its collections have: a path is
   * placed when at least one collection places it.
   */
  #joined(join: Join, resolve: (fields: Field[]) => Walk, walk: Walk): void {
    const results: Walk[] = []
    for (const slug of join.collections) {
      const entity = this.#schema.collections.get(slug)
      if (!entity) {
        walk.unknown = true
        return
      }
      const fields =
        join.collections.length > 1
          ? [...entity.fields, { name: 'relationTo', type: 'select' }]
          : entity.fields
      results.push(resolve(fields))
    }
    const placed = results.filter((result) => !result.unknown)
    if (placed.length < results.length && (join.collections.length === 1 || !placed.length)) {
      walk.unknown = true
    }
    for (const result of results) for (const slug of result.crossed) walk.crossed.add(slug)
  }

  /** The field a path names inside `fields` without crossing into another collection. */
  #fieldAt(fields: Field[], segments: string[]): Field | 'unknown' {
    let current = fields
    let field: Field | undefined
    for (let i = 0; i < segments.length; i++) {
      field = current.find((candidate) => candidate.name === segments[i])
      if (!field) return 'unknown'
      if (
        i < segments.length - 1 &&
        field.localized &&
        this.#schema.localeCodes.has(segments[i + 1] as string)
      )
        i++
      if (i === segments.length - 1) return field
      if (field.type === 'blocks') {
        const rest = segments.slice(i + 1)
        const found = this.#schema
          .blocksOf(field)
          .map((block) => this.#fieldAt(block.flattenedFields ?? [], rest))
          .filter((candidate) => candidate !== 'unknown')
        return found.length === 1 ? (found[0] as Field) : 'unknown'
      }
      if (!field.flattenedFields) return 'unknown'
      current = field.flattenedFields
    }
    return field ?? 'unknown'
  }

  /**
   * Walks `segments` from `fields` (inside a collection whose root fields are `root`), noting every
   * collection it crosses into.
   */
  #segments(
    root: Field[],
    fields: Field[],
    segments: string[],
    parentIsLocalized: boolean,
    walk: Walk,
  ): void {
    const [segment, ...after] = segments
    if (segment === undefined) return // a path that ends on a group or array: nothing read beyond it
    const field = fields.find((candidate) => candidate.name === segment)
    if (!field) {
      if (segment === 'id' && after.length === 0) return
      walk.unknown = true
      return
    }
    let rest = after
    const localized = Boolean(field.localized) || parentIsLocalized
    if (localized && rest[0] !== undefined && this.#schema.localeCodes.has(rest[0])) {
      rest = rest.slice(1)
    }
    if (field.virtual) {
      // A virtual field linked to a relationship path: Payload rewrites it to that path, relative
      // to the field in `where` and to the collection in `sort`. Both are walked.
      if (typeof field.virtual === 'string') {
        const linked = [...field.virtual.split('.'), ...rest]
        this.#segments(root, fields, linked, parentIsLocalized, walk)
        this.#segments(root, root, linked, false, walk)
      }
      return
    }
    switch (field.type) {
      case 'array':
      case 'group':
      case 'tab':
        this.#segments(root, field.flattenedFields ?? [], rest, localized, walk)
        return
      case 'blocks': {
        if (rest.length === 0 || (rest.length === 1 && rest[0] === 'blockType')) return
        const results = this.#schema.blocksOf(field).map((block) => {
          const inner = newWalk()
          this.#segments(root, block.flattenedFields ?? [], rest, localized, inner)
          return inner
        })
        const placed = results.filter((result) => !result.unknown)
        if (!placed.length) walk.unknown = true
        for (const result of placed) for (const slug of result.crossed) walk.crossed.add(slug)
        return
      }
      case 'join': {
        const targets = asArray(field.collection)
        for (const slug of targets) walk.crossed.add(slug)
        if (rest.length === 0 || (rest.length === 1 && rest[0] === 'id')) return
        this.#into(targets, rest, walk)
        return
      }
      case 'relationship':
      case 'upload': {
        if (rest.length === 0) return // the stored reference itself
        const targets = asArray(field.relationTo)
        if (Array.isArray(field.relationTo)) {
          if (rest.length === 1 && (rest[0] === 'value' || rest[0] === 'relationTo')) return
        } else if (rest.length === 1 && rest[0] === 'id') {
          return
        }
        for (const slug of targets) walk.crossed.add(slug)
        this.#into(targets, rest, walk)
        return
      }
      default:
        // A column of this table; further segments are a JSON path (json, richText) or ignored.
        return
    }
  }

  /** Continues a path in the collection(s) a relationship or join points to. */
  #into(targets: string[], rest: string[], walk: Walk): void {
    const results = targets.map((slug) => {
      const inner = newWalk()
      const entity = this.#schema.collections.get(slug)
      if (!entity) inner.unknown = true
      else this.#segments(entity.fields, entity.fields, rest, false, inner)
      return inner
    })
    if (results.some((result) => result.unknown)) walk.unknown = true
    for (const result of results) for (const slug of result.crossed) walk.crossed.add(slug)
  }
}
