import type { Where } from 'payload'
import type { FuzzSlug } from '../../fixtures/fuzzSchema.js'
import type { Random } from './generator.js'
import { existing, type Ids, spell } from './ids.js'
import { type Leaf, model, NAMES, slugAt } from './model.js'
import { odd } from './oddArguments.js'
import { joinPath, path, type Shape, type Touch } from './paths.js'

const LOGICAL = ['and', 'AND', 'And', 'aNd', 'or', 'OR', 'Or', 'oR'] as const

/**
 * A condition on a path ending at `leaf`, in `slug`; notes the value it tests for on the last
 * field touched.
 */
const condition = (
  g: Random,
  ids: Ids,
  leaf: Leaf,
  slug: FuzzSlug,
  depth: number,
  touches: Touch[],
): Record<string, unknown> => {
  const tested = touches.at(-1)
  const testing = <T>(value: T): T => {
    if (tested) tested.value = value
    return value
  }
  switch (leaf.kind) {
    case 'text':
    case 'virtual': {
      const name = testing(g.pick(NAMES))
      return g.pick([
        { equals: odd(g, name, [undefined, Number.NaN]) },
        { not_equals: odd(g, name, [undefined]) },
        { like: name.slice(0, 3) },
        { not_like: name.slice(1, 4) },
        { contains: name.slice(0, 2) },
        { in: [odd(g, name, [undefined]), g.pick(NAMES)] },
        { not_in: [name] },
        { exists: odd(g, g.chance(0.5), [undefined]) },
      ])
    }
    case 'number': {
      const n = testing(g.int(10))
      return g.pick([
        { equals: odd(g, n) },
        { not_equals: odd(g, n) },
        { greater_than: odd(g, n) },
        { greater_than_equal: n },
        { less_than: odd(g, n) },
        { less_than_equal: odd(g, n) },
        { in: [odd(g, n), g.int(10)] },
        { not_in: [odd(g, n)] },
        { exists: odd(g, g.chance(0.5), [undefined]) },
      ])
    }
    case 'date':
      return g.pick([
        { greater_than: '2020-01-01T00:00:00.000Z' },
        { less_than: '2100-01-01' },
        { exists: true },
      ])
    case 'select':
      return g.pick([
        { equals: g.pick(leaf.options) },
        { not_equals: g.pick(leaf.options) },
        { in: leaf.options },
      ])
    case 'id': {
      const id = existing(g, ids, slug)
      if (id === undefined) return { exists: true }
      return g.pick([
        { equals: spell(g, id) },
        { not_equals: spell(g, id) },
        { in: [spell(g, id)] },
        { not_in: [id] },
      ])
    }
    case 'rel':
    case 'join': {
      const to = leaf.kind === 'rel' ? leaf.to : g.pick(leaf.to)
      // Payload rewrites a nested query on a join to `<join>.id` (it then matches nothing), so
      // mostly hasMany relationships get one.
      const nested =
        depth > 0 &&
        (leaf.kind === 'join' ? leaf.to.length === 1 && g.chance(0.1) : leaf.many && g.chance(0.7))
      if (nested) return { contains: where(g, ids, to, depth - 1, 0, touches, 'scalar') }
      const id = existing(g, ids, to)
      if (id === undefined || g.chance(0.25)) return { exists: g.chance(0.5) }
      testing(id)
      return g.pick([
        { equals: spell(g, id) },
        { not_equals: id },
        { in: [id, spell(g, id)] },
        { not_in: [id] },
      ])
    }
    case 'poly': {
      const to = g.pick(leaf.to)
      const id = existing(g, ids, to)
      if (id === undefined) return { exists: true }
      testing(id)
      return g.pick([
        { equals: { relationTo: to, value: id } },
        { exists: g.chance(0.5) },
        { in: [id] },
      ])
    }
  }
}

/** A `where` over `slug`: a tree of `and` / `or` (any letter case) over leaf conditions. */
export const where = (
  g: Random,
  ids: Ids,
  slug: FuzzSlug,
  depth: number,
  hops: number,
  touches: Touch[],
  shape?: Shape,
): Where => {
  if (depth > 0 && g.chance(g.focus === 'logical' ? 0.8 : 0.35)) {
    return {
      [g.pick(LOGICAL)]: [
        where(g, ids, slug, depth - 1, hops, touches, shape),
        where(g, ids, slug, depth - 1, hops, touches, shape),
      ],
    }
  }
  const many = Object.entries(model[slug]).filter(([, f]) => f.kind === 'rel' && f.many)
  if (depth > 0 && many.length && g.chance(g.focus === 'nested' ? 0.8 : 0.1)) {
    // A nested query under `contains` on a hasMany relationship.
    const [name, leaf] = g.pick(many) as [string, Extract<Leaf, { kind: 'rel' }>]
    touches.push({ slug, field: name })
    return { [name]: { contains: where(g, ids, leaf.to, depth - 1, 0, touches, 'scalar') } }
  }
  const out: Record<string, unknown> = {}
  for (let i = g.chance(0.2) ? 2 : 1; i > 0; i--) {
    const { path: segments, leaf } = path(g, slug, hops, touches, shape)
    const target = segments.length > 1 && leaf.kind !== 'poly' ? slugAt(slug, segments) : slug
    out[joinPath(g, segments)] = condition(g, ids, leaf, target, depth, touches)
  }
  return out as Where
}

/** The `where` of a query that leans on `g.focus`. */
export const focusedWhere = (g: Random, ids: Ids, slug: FuzzSlug, touches: Touch[]): Where => {
  const leaf = (shape: Shape) => {
    const { path: segments, leaf: end } = path(g, slug, 2, touches, shape)
    const target = segments.length > 1 && end.kind !== 'poly' ? slugAt(slug, segments) : slug
    return { [joinPath(g, segments)]: condition(g, ids, end, target, 0, touches) }
  }
  switch (g.focus) {
    case 'logical':
      return {
        [g.pick(['AND', 'And', 'OR', 'Or', 'oR', 'aNd'])]: [
          leaf('through'),
          leaf(g.pick(['through', 'any'] as const)),
        ],
      } as Where
    case 'nested': {
      const many = Object.entries(model[slug]).filter(([, f]) => f.kind === 'rel' && f.many)
      const [name, rel] = g.pick(many) as [string, Extract<Leaf, { kind: 'rel' }>]
      touches.push({ slug, field: name })
      return { [name]: { contains: where(g, ids, rel.to, 0, 0, touches, 'scalar') } } as Where
    }
    case 'reference':
      return leaf('reference') as Where
    default:
      return leaf('through') as Where
  }
}
