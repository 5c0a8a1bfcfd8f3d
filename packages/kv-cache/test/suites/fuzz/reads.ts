import type { Payload } from 'payload'
import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import { type FuzzSlug, fuzzSlugs } from '../../fixtures/fuzzSchema.js'
import { FEATURES, type Random } from './generator.js'
import { existing, type Ids, spell } from './ids.js'
import { joinsOf, type Leaf, model } from './model.js'
import { describeArgs, jsonImage } from './oddArguments.js'
import { joinPath, path, type Touch } from './paths.js'
import { focusedWhere, where } from './where.js'

/**
 * A read with its arguments fixed; each run gets its own copy (Payload mutates `where` in
 * place). `touches` lists what its paths walk through, for the writes aimed at it.
 */
export type Read = {
  describe: string
  run: (payload: Payload) => Promise<unknown>
  touches: Touch[]
  /**
   * For a read with an odd value in its arguments (`NaN`, `Infinity`, `undefined`, ...): the same
   * read with its arguments as JSON would write them. The two are asked side by side, so a key
   * that merged them would serve one the other's answer.
   */
  twin?: Read
}

/** A `sort`, or none: one or two scalar paths, some walking a relationship, some descending. */
const sort = (g: Random, slug: FuzzSlug, touches: Touch[]): string | string[] | undefined => {
  if (g.chance(0.3)) return undefined
  const one = () => {
    let segments: string[]
    let leaf: Leaf
    let walked: Touch[]
    do {
      walked = []
      ;({ path: segments, leaf } = path(g, slug, 1, walked, g.pick(['any', 'through'] as const)))
    } while (leaf.kind === 'join' || leaf.kind === 'poly' || leaf.kind === 'rel')
    touches.push(...walked)
    return `${g.chance(0.5) ? '-' : ''}${joinPath(g, segments)}`
  }
  return g.chance(0.2) ? [one(), one()] : one()
}

/** A read's `joins`: off, or for each join of `slug` off or a `limit` with a `where` or `sort`. */
const joins = (
  g: Random,
  ids: Ids,
  slug: FuzzSlug,
  touches: Touch[],
): Record<string, unknown> | false | undefined => {
  const fields = joinsOf[slug]
  if (!fields || g.chance(g.focus === 'join' ? 0 : 0.4)) return undefined
  if (g.chance(0.1)) return false
  const out: Record<string, unknown> = {}
  for (const [name, to] of Object.entries(fields)) {
    if (g.chance(g.focus === 'join' ? 0.1 : 0.3)) {
      out[name] = false
      continue
    }
    const target = to.length === 1 ? (to[0] as FuzzSlug) : undefined
    touches.push({ slug, field: name })
    out[name] = {
      limit: g.pick([1, 3, 10]),
      ...(target && (g.focus === 'join' || g.chance(0.6))
        ? {
            where:
              g.focus === 'join'
                ? where(g, ids, target, 0, 1, touches, g.pick(['through', 'reference'] as const))
                : where(g, ids, target, 1, 1, touches),
          }
        : {}),
      ...(!target && g.chance(0.5) ? { where: { relationTo: { equals: g.pick(to) } } } : {}),
      ...(target && g.chance(0.5) ? { sort: sort(g, target, touches) } : {}),
    }
  }
  return out
}

/** A `select` of two top-level fields, both included or both excluded, now and then. */
const select = (g: Random, slug: FuzzSlug): Record<string, boolean> | undefined => {
  if (!g.chance(0.25)) return undefined
  const top = [
    ...new Set(Object.keys(model[slug]).map((name) => name.split('.')[0] as string)),
  ].filter((name) => name !== 'id' && model[slug][name]?.kind !== 'virtual')
  const include = g.chance(0.6)
  const out: Record<string, boolean> = {}
  for (let i = 0; i < 2; i++) out[g.pick(top)] = include
  return out
}

/** Arguments without the options left `undefined`. */
const clean = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T

/** One read, its random choices fixed now, asked the same way of both instances. */
export const read = (g: Random, ids: Ids, kind: DatabaseKind): Read => {
  g.focus = g.pick(FEATURES)
  g.odd = false
  const slug =
    g.focus === 'nested'
      ? g.pick(['notes', 'teams', 'people'] as const)
      : g.focus === 'join'
        ? g.pick(['notes', 'teams', 'tags'] as const)
        : g.focus === 'reference'
          ? g.pick(['notes', 'replies', 'people'] as const)
          : g.pick(fuzzSlugs)
  const touches: Touch[] = []
  const made = (
    name: string,
    args: Record<string, unknown>,
    run: (p: Payload, args: Record<string, unknown>) => Promise<unknown>,
  ): Read => {
    const read: Read = {
      describe: `${name} ${describeArgs(args)}`,
      run: (p) => run(p, structuredClone(args)),
      touches,
    }
    if (g.odd) {
      const image = jsonImage(args)
      read.twin = {
        describe: `${name} ${describeArgs(image)} (the JSON image of the one before)`,
        run: (p) => run(p, structuredClone(image)),
        touches,
      }
    }
    return read
  }
  if (g.focus !== 'free') {
    // A query that leans on one construct, with nothing else that reads other collections: the
    // construct's dependency is then its only link to them.
    const args = clean({
      collection: slug,
      where: g.focus === 'join' ? undefined : focusedWhere(g, ids, slug, touches),
      sort: g.focus === 'separator' && g.chance(0.5) ? sort(g, slug, touches) : 'id',
      limit: 0,
      depth: 0,
      locale: g.pick([undefined, 'de']),
      joins: g.focus === 'join' ? joins(g, ids, slug, touches) : false,
    })
    const name = g.chance(0.8) ? 'find' : 'count'
    return made(name, args, (p, a) => (name === 'find' ? p.find(a as never) : p.count(a as never)))
  }
  const choice = g.int(10)
  if (choice < 5) {
    const args = clean({
      collection: slug,
      where: g.chance(0.85) ? where(g, ids, slug, 2, 2, touches) : undefined,
      sort: sort(g, slug, touches),
      limit: g.pick([0, 3, 10]),
      page: g.pick([1, 1, 2]),
      depth: g.pick([0, 0, 1]),
      locale: g.pick([undefined, 'de', 'all']),
      draft: slug === 'notes' && g.chance(0.25) ? true : undefined,
      overrideAccess: slug === 'notes' && g.chance(0.3) ? false : undefined,
      joins: joins(g, ids, slug, touches),
      select: select(g, slug),
    })
    return made('find', args, (p, a) => p.find(a as never))
  }
  if (choice < 7) {
    const id = existing(g, ids, slug) ?? 1
    touches.push({ slug, field: 'id', value: id })
    const args = clean({
      collection: slug,
      id: spell(g, id),
      depth: g.pick([0, 1]),
      draft: slug === 'notes' && g.chance(0.3) ? true : undefined,
      joins: joins(g, ids, slug, touches),
      select: select(g, slug),
      disableErrors: true,
    })
    return made('findByID', args, (p, a) => p.findByID(a as never))
  }
  if (choice < 8) {
    const args = { collection: slug, where: where(g, ids, slug, 2, 2, touches) }
    return made('count', args, (p, a) => p.count(a as never))
  }
  if (choice < 9 && kind !== 'd1') {
    const field = g.pick(
      Object.entries(model[slug])
        .filter(
          ([name, leaf]) =>
            leaf.kind === 'text' || leaf.kind === 'number' || leaf.kind === 'rel' || name === 'id',
        )
        .map(([name]) => name),
    )
    touches.push({ slug, field })
    const args = clean({
      collection: slug,
      field,
      where: g.chance(0.6) ? where(g, ids, slug, 1, 2, touches) : undefined,
      sort: field,
    })
    return made('findDistinct', args, (p, a) => p.findDistinct(a as never))
  }
  touches.push({ slug: 'notes', field: 'title' }, { slug: 'teams', field: 'name' })
  const args = clean({ slug: 'settings', depth: g.pick([0, 1]), locale: g.pick([undefined, 'de']) })
  return made('findGlobal', args, (p, a) => p.findGlobal(a as never))
}
