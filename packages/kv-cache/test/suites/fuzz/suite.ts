import type { Payload, Where } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withKVCache } from '../../../src/index.js'
import type { DatabaseKind } from '../../fixtures/databases.js'
import { buildFuzzConfig, type FuzzSlug, fuzzSlugs } from '../../fixtures/fuzzSchema.js'
import { startPair, steady, type TestPair } from '../../fixtures/payload.js'
import { FEATURES, generator, type Random } from './generator.js'
import { existing, type ID, type Ids, spell } from './ids.js'
import { joinsOf, type Leaf, model, NAMES, slugAt, virtualTarget } from './model.js'

/**
 * The query grammar fuzzer: a seeded generator of reads over the whole query grammar Payload
 * accepts (every operator; `and` / `or` in any letter case; `.` and `__` paths; nested `contains`
 * queries on relationships and joins; polymorphic `relationTo` / `value` paths; locale segments;
 * multi-hop paths; virtual fields; blocks, arrays and groups; join `where` / `sort` / `limit`;
 * `select`; drafts; access rules that walk relationships; odd id spellings) interleaved with random
 * writes (creates, updates, deletes that null foreign keys, bulk writes, drafts, the global), over
 * the fuzz schema. Half the writes are aimed at what a query of the pool walks through (a field it
 * tests, set to the value it tests for; a relationship on its path, re-pointed; a document at the
 * end of a reference, deleted): random writes alone rarely change a random query's answer. After
 * every write, every query of the pool, which the cached instance has already answered, is asked
 * again of it and of a plain Payload on the same database: zero differences.
 *
 * `FUZZ_SEED` and `FUZZ_STEPS` override the seed and the number of steps; `FUZZ_DEBUG=1` prints
 * every query; `FUZZ_NOCACHE=1` compares two plain Payloads (a difference then is not the cache's).
 */

/**
 * A field a query names, in the collection it belongs to, with the value the query tests it
 * against: the writes aimed at it are the ones that can change the query's answer.
 */
type Touch = { slug: FuzzSlug; field: string; value?: unknown }
/**
 * A read with its arguments fixed; each run gets its own copy (Payload mutates `where` in
 * place). `touches` lists what its paths walk through, for the writes aimed at it.
 */
type Read = {
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

const LOGICAL = ['and', 'AND', 'And', 'aNd', 'or', 'OR', 'Or', 'oR'] as const

/**
 * Values JSON cannot write, which careless callers pass (`Number(param)` is `NaN`, an absent
 * parameter is `undefined`): each is turned into something else by JSON, which the database may
 * answer differently.
 */
const ODD_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  undefined,
  5n,
]

/** An odd value in place of a plain one, now and then; notes it on the generator. */
const odd = <T>(g: Random, plain: T, values: readonly unknown[] = ODD_NUMBERS): T | unknown => {
  if (!g.chance(0.12)) return plain
  g.odd = true
  return g.pick(values)
}

/** Arguments as a failure message shows them: odd values spelled out, not as JSON writes them. */
const describeArgs = (args: unknown): string =>
  JSON.stringify(args, (_key, value: unknown) =>
    value === undefined
      ? 'undefined'
      : typeof value === 'bigint'
        ? `${value}n`
        : typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))
          ? String(Object.is(value, -0) ? '-0' : value)
          : value,
  )

/**
 * What a path looks like: anything; through a relationship or join and then anything; or
 * relationships all the way, ending at a reference (where foreign keys bite).
 */
type Shape = 'any' | 'reference' | 'scalar' | 'through'

/**
 * A path from `slug`, walking up to `hops` relationships or joins; returns the path and its leaf,
 * and notes every field on the way in `touches`.
 */
const path = (
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
const joinPath = (g: Random, segments: string[]): string =>
  segments.reduce(
    (out, segment, i) =>
      i === 0
        ? segment
        : `${out}${g.chance(g.focus === 'separator' ? 0.8 : 0.3) ? '__' : '.'}${segment}`,
    '',
  )

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
const where = (
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

const clean = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T

/** The `where` of a query that leans on `g.focus`. */
const focused = (g: Random, ids: Ids, slug: FuzzSlug, touches: Touch[]): Where => {
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

/** One read, its random choices fixed now, asked the same way of both instances. */
const read = (g: Random, ids: Ids, kind: DatabaseKind): Read => {
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
      const image = JSON.parse(
        JSON.stringify(args, (_key, value: unknown) =>
          typeof value === 'bigint' ? `${value}n` : value,
        ),
      ) as Record<string, unknown>
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
      where: g.focus === 'join' ? undefined : focused(g, ids, slug, touches),
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

const maybe = <T>(g: Random, value: T | undefined): T | null =>
  value === undefined || g.chance(0.2) ? null : value

/** Field values for a new or updated document of `slug`, related documents picked from `ids`. */
const data = (g: Random, ids: Ids, slug: FuzzSlug): Record<string, unknown> => {
  const name = `${g.pick(NAMES)}${g.chance(0.5) ? '' : ` ${g.int(3)}`}`
  switch (slug) {
    case 'tags':
      return { name, label: g.pick(NAMES), weight: g.int(10) }
    case 'badges':
      return { name, level: g.int(10) }
    case 'teams':
      return {
        name,
        lead: maybe(g, existing(g, ids, 'people')),
        tags: ids.tags.filter(() => g.chance(0.4)),
        mainTag: maybe(g, existing(g, ids, 'tags')),
        sponsor: { level: g.int(10), brand: maybe(g, existing(g, ids, 'tags')) },
      }
    case 'people': {
      const best = g.chance(0.5) ? 'tags' : 'badges'
      const bestID = existing(g, ids, best)
      return {
        name,
        bio: g.pick(NAMES),
        rank: g.int(10),
        team: maybe(g, existing(g, ids, 'teams')),
        badge: maybe(g, existing(g, ids, 'badges')),
        best: bestID === undefined || g.chance(0.2) ? null : { relationTo: best, value: bestID },
        friends: ids.people.filter(() => g.chance(0.25)),
      }
    }
    case 'notes': {
      const tag = existing(g, ids, 'tags')
      const person = existing(g, ids, 'people')
      return {
        title: name,
        score: g.int(10),
        author: maybe(g, person),
        tags: ids.tags.filter(() => g.chance(0.3)),
        mainTag: maybe(g, tag),
        about: [
          ...(person !== undefined && g.chance(0.5)
            ? [{ relationTo: 'people', value: person }]
            : []),
          ...(tag !== undefined && g.chance(0.5) ? [{ relationTo: 'tags', value: tag }] : []),
        ],
        layout: g.chance(0.6)
          ? [
              { blockType: 'ref', caption: g.pick(NAMES), tag: maybe(g, tag) },
              ...(g.chance(0.5) ? [{ blockType: 'quote', text: g.pick(NAMES) }] : []),
            ]
          : [],
        links: g.chance(0.5) ? [{ label: g.pick(NAMES), person: maybe(g, person) }] : [],
        meta: { keywords: g.pick(NAMES) },
        _status: g.chance(0.8) ? 'published' : 'draft',
      }
    }
    case 'replies':
      return {
        note: maybe(g, existing(g, ids, 'notes')),
        body: g.pick(NAMES),
        by: maybe(g, existing(g, ids, 'people')),
      }
  }
}

/** `FUZZ_DEBUG=1`: every query as it is asked, to follow a failing seed step by step. */
const trace = (context: string, query: string) => {
  if (process.env.FUZZ_DEBUG) console.log(context, query)
}

/** One random write through `payload`; returns what it did, for the failure message. */
const write = async (g: Random, ids: Ids, payload: Payload): Promise<string> => {
  const slug = g.pick(fuzzSlugs)
  const id = existing(g, ids, slug)
  const choice = g.int(12)
  if (choice < 3 || id === undefined) {
    const doc = await payload.create({
      collection: slug,
      data: data(g, ids, slug) as never,
      depth: 0,
    })
    ids[slug].push(doc.id)
    return `create ${slug} ${doc.id}`
  }
  if (choice < 6) {
    const fields = data(g, ids, slug)
    const keys = Object.keys(fields).filter(() => g.chance(0.5))
    const partial = Object.fromEntries(keys.map((key) => [key, fields[key]]))
    const locale = g.chance(0.3) ? 'de' : undefined
    const draft = slug === 'notes' && g.chance(0.3)
    await payload.update({
      collection: slug,
      id: spell(g, id) as never,
      data: partial as never,
      depth: 0,
      locale,
      draft,
    })
    return `update ${slug} ${id} ${JSON.stringify({ partial, locale, draft })}`
  }
  if (choice < 8 && ids[slug].length > 1) {
    await payload.delete({ collection: slug, id: spell(g, id) as never, depth: 0 })
    ids[slug].splice(ids[slug].indexOf(id), 1)
    return `delete ${slug} ${id}`
  }
  if (choice < 9) {
    const bulkWhere = where(g, ids, slug, 0, 1, [])
    const fields = data(g, ids, slug)
    const key = g.pick(Object.keys(fields).filter((k) => k !== 'title' && k !== 'name'))
    await payload.update({
      collection: slug,
      where: bulkWhere,
      data: { [key]: fields[key] } as never,
      depth: 0,
    })
    return `updateMany ${slug} ${JSON.stringify({ bulkWhere, key })}`
  }
  if (choice < 10 && ids[slug].length > 3) {
    const victim = g.pick(ids[slug])
    await payload.delete({ collection: slug, where: { id: { in: [victim] } }, depth: 0 })
    ids[slug].splice(ids[slug].indexOf(victim), 1)
    return `deleteMany ${slug} ${victim}`
  }
  const featured = existing(g, ids, 'notes')
  const team = existing(g, ids, 'teams')
  await payload.updateGlobal({
    slug: 'settings',
    data: { title: g.pick(NAMES), featured: maybe(g, featured), team: maybe(g, team) } as never,
    depth: 0,
  })
  return 'updateGlobal settings'
}

/** A value a field can hold: the one a query tests for, or one near it. */
const valueFor = (g: Random, leaf: Leaf, tested: unknown): unknown => {
  if (tested !== undefined && g.chance(0.7)) return tested
  return leaf.kind === 'number' ? g.int(10) : g.pick(NAMES)
}

/** `{ sponsor: { level } }` for `sponsor.level`; blocks and arrays get a row holding the value. */
const nest = (field: string, value: unknown): Record<string, unknown> => {
  const [top, inner] = field.split('.') as [string, string | undefined]
  if (inner === undefined) return { [top]: value }
  if (top === 'layout') return { layout: [{ blockType: 'ref', [inner]: value }] }
  if (top === 'links') return { links: [{ [inner]: value }] }
  return { [top]: { [inner]: value } }
}

/**
 * A write aimed at what a query walks through: the tested field set to (or near) the tested
 * value, a relationship on the path re-pointed, the document at its end deleted (its references
 * null), or a document of a join created or deleted.
 */
const aimedWrite = async (g: Random, ids: Ids, payload: Payload, touch: Touch): Promise<string> => {
  let { slug, field } = touch
  let leaf = model[slug][field] as Leaf
  if (leaf.kind === 'virtual') {
    ;({ slug, field } = virtualTarget[`${slug}.${field}`] as { slug: FuzzSlug; field: string })
    leaf = model[slug][field] as Leaf
  }
  const id = existing(g, ids, slug)
  if (id === undefined) return `aimed at ${slug}.${field}: no document`
  const update = async (data: Record<string, unknown>, locale?: 'de') => {
    await payload.update({
      collection: slug,
      id: spell(g, id) as never,
      data: data as never,
      depth: 0,
      locale,
    })
    return `aimed update ${slug} ${id} ${JSON.stringify({ data, locale })}`
  }
  switch (leaf.kind) {
    case 'text':
    case 'number':
      return update(
        nest(field, valueFor(g, leaf, touch.value)),
        leaf.kind === 'text' && leaf.localized && g.chance(0.4) ? 'de' : undefined,
      )
    case 'select':
      if (field === '_status') return update({ _status: g.pick(leaf.options) })
      return update({ layout: g.chance(0.5) ? [{ blockType: g.pick(leaf.options) }] : [] })
    case 'rel': {
      // The document the query tests for, when it tests one.
      const tested = ids[leaf.to].includes(touch.value as ID) ? (touch.value as ID) : undefined
      const target = tested !== undefined && g.chance(0.7) ? tested : existing(g, ids, leaf.to)
      if (
        g.chance(tested === undefined ? 0.4 : 0.6) &&
        target !== undefined &&
        ids[leaf.to].length > 1
      ) {
        await payload.delete({ collection: leaf.to, id: target as never, depth: 0 })
        ids[leaf.to].splice(ids[leaf.to].indexOf(target), 1)
        return `aimed delete ${leaf.to} ${target} (referenced by ${slug}.${field})`
      }
      const value = target === undefined || g.chance(0.2) ? null : leaf.many ? [target] : target
      return update(nest(field, value))
    }
    case 'poly': {
      const to = g.pick(leaf.to)
      const target = existing(g, ids, to)
      const value = target === undefined ? null : { relationTo: to, value: target }
      return update({ [field]: leaf.many ? (value ? [value] : []) : value })
    }
    case 'join': {
      const to = g.pick(leaf.to)
      const on = to === 'replies' ? 'note' : to === 'people' ? 'team' : 'mainTag'
      const victim = existing(g, ids, to)
      if (g.chance(0.4) && victim !== undefined && ids[to].length > 1) {
        await payload.delete({ collection: to, id: victim as never, depth: 0 })
        ids[to].splice(ids[to].indexOf(victim), 1)
        return `aimed delete ${to} ${victim} (joined into ${slug}.${field})`
      }
      const doc = await payload.create({
        collection: to,
        data: { ...data(g, ids, to), [on]: id } as never,
        depth: 0,
      })
      ids[to].push(doc.id)
      return `aimed create ${to} ${doc.id} (joined into ${slug} ${id})`
    }
    default:
      return update(
        nest(g.pick(['name', 'title'].filter((f) => f in model[slug])) ?? 'body', g.pick(NAMES)),
      )
  }
}

const seedData = async (g: Random, payload: Payload): Promise<Ids> => {
  const ids: Ids = { tags: [], badges: [], teams: [], people: [], notes: [], replies: [] }
  const counts: Record<FuzzSlug, number> = {
    tags: 4,
    badges: 3,
    teams: 3,
    people: 6,
    notes: 8,
    replies: 8,
  }
  for (const slug of fuzzSlugs) {
    for (let i = 0; i < counts[slug]; i++) {
      const doc = await payload.create({
        collection: slug,
        data: data(g, ids, slug) as never,
        depth: 0,
      })
      ids[slug].push(doc.id)
    }
  }
  // Teams and leads reference people created after them.
  for (const team of ids.teams) {
    await payload.update({
      collection: 'teams',
      id: team as never,
      data: { lead: existing(g, ids, 'people') } as never,
      depth: 0,
    })
  }
  return ids
}

/** A result, or the error it threw (with drizzle's random table aliases taken out of the SQL). */
const outcome = (run: () => Promise<unknown>) =>
  run().then(
    (value) => ({ value }),
    (error: Error) => ({
      error: error.message.replace(
        /[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}/g,
        'alias',
      ),
    }),
  )

export type FuzzOptions = {
  steps: number
  seed?: number
  /** Number of queries kept and asked after every step. Default 24. */
  pool?: number
  idType?: 'uuid'
}

export const fuzzSuite = (kind: DatabaseKind, options: FuzzOptions) => {
  const seed = Number(process.env.FUZZ_SEED ?? options.seed ?? 1)
  const steps = Number(process.env.FUZZ_STEPS ?? options.steps)
  const size = options.pool ?? 24
  const label = `${kind}${options.idType ? ` (${options.idType} ids)` : ''}`
  describe(`query grammar fuzzer on ${label}`, () => {
    let pair: TestPair
    beforeAll(async () => {
      pair = await startPair({
        kind,
        config: buildFuzzConfig,
        ...(options.idType ? { databaseOptions: { idType: options.idType } } : {}),
        wrap: (factory, kv) =>
          process.env.FUZZ_NOCACHE
            ? factory
            : withKVCache(factory, kv, steady({ maxStaleMs: 60_000 })),
      })
    })
    afterAll(() => pair?.cleanup())

    it(`answers like the database after each of ${steps} random steps (seed ${seed}, FUZZ_SEED to change)`, async () => {
      const g = generator(seed)
      const ids = await seedData(g, pair.cached)
      const pool: Read[] = []
      const ask = async (query: Read, context: string) => {
        trace(context, query.describe)
        const expected = await outcome(() => query.run(pair.plain))
        const actual = await outcome(() => query.run(pair.cached))
        expect(actual, `seed ${seed}, ${context}\n  query: ${query.describe}`).toEqual(expected)
      }
      let last = 'seed'
      for (let step = 0; step < steps; step++) {
        if (pool.length < size || g.chance(0.4)) {
          const fresh = read(g, ids, kind)
          if (pool.length >= size) pool.splice(g.int(pool.length), 1)
          pool.push(fresh)
          await ask(fresh, `step ${step}, new query after ${last}`)
          if (fresh.twin) {
            pool.push(fresh.twin)
            await ask(fresh.twin, `step ${step}, new query after ${last}`)
          }
          continue
        }
        const aim = g.chance(0.5) ? g.pick(pool).touches : []
        last = await (aim.length
          ? aimedWrite(g, ids, pair.cached, g.pick(aim))
          : write(g, ids, pair.cached)
        ).catch((error: Error) => `failed write: ${error.message}`)
        for (const query of pool) await ask(query, `step ${step}, after ${last}`)
      }
    }, 900_000)
  })
}
