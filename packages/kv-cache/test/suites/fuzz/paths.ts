import type { FuzzSlug } from '../../fixtures/fuzzSchema.js'
import type { Random } from './generator.js'
import { type Leaf, model } from './model.js'

/**
 * A field a query names, in the collection it belongs to, with the value the query tests it
 * against: the writes aimed at it are the ones that can change the query's answer.
 */
export type Touch = { slug: FuzzSlug; field: string; value?: unknown }

/**
 * What a path looks like: anything; through a relationship or join and then anything; or
 * relationships all the way, ending at a reference (where foreign keys bite).
 */
export type Shape = 'any' | 'reference' | 'scalar' | 'through'

/**
 * A path from `slug`, walking up to `hops` relationships or joins; returns the path and its leaf,
 * and notes every field on the way in `touches`.
 */
export const path = (
  g: Random,
  slug: FuzzSlug,
  hops: number,
  touches: Touch[],
  shape: Shape = g.focus === 'reference'
    ? 'reference'
    : g.pick(['any', 'any', 'through', 'reference'] as const),
): { path: string[]; leaf: Leaf } => {
  // Relationships and joins are what dependencies are made of: picked more often than their share.
  const fields = Object.entries(model[slug])
  const relational = fields.filter(
    ([, f]) => f.kind === 'rel' || f.kind === 'poly' || f.kind === 'join',
  )
  const scalar = fields.filter(([, f]) => !relational.some(([, r]) => r === f))
  const relationalFirst =
    shape === 'reference' || shape === 'through' || (shape === 'any' && g.chance(0.55))
  const [name, leaf] = g.pick(
    shape === 'scalar' ? scalar : relational.length && relationalFirst ? relational : fields,
  )
  touches.push({ slug, field: name })
  const segments = name.split('.')
  if (leaf.kind === 'text' && leaf.localized && g.chance(0.25)) segments.push(g.pick(['en', 'de']))
  const to =
    leaf.kind === 'rel'
      ? leaf.to
      : leaf.kind === 'join' && leaf.to.length === 1
        ? leaf.to[0]
        : undefined
  const go = shape === 'through' ? true : shape === 'reference' ? g.chance(0.5) : g.chance(0.6)
  if (to && hops > 0 && go) {
    const rest = path(g, to, hops - 1, touches, shape === 'through' ? 'any' : shape)
    return { path: [...segments, ...rest.path], leaf: rest.leaf }
  }
  if (leaf.kind === 'poly' && g.chance(0.6)) {
    const end = g.pick(['relationTo', 'value'])
    return {
      path: [...segments, end],
      leaf: end === 'relationTo' ? { kind: 'select', options: leaf.to } : leaf,
    }
  }
  return { path: segments, leaf }
}

/** Joins segments with `.` or, as GraphQL names do, `__`. */
export const joinPath = (g: Random, segments: string[]): string =>
  segments.reduce(
    (out, segment, i) =>
      i === 0
        ? segment
        : `${out}${g.chance(g.focus === 'separator' ? 0.8 : 0.3) ? '__' : '.'}${segment}`,
    '',
  )
