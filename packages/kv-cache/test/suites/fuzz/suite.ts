import type { Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withKVCache } from '../../../src/index.js'
import type { DatabaseKind } from '../../fixtures/databases.js'
import { buildFuzzConfig, type FuzzSlug, fuzzSlugs } from '../../fixtures/fuzzSchema.js'
import { startPair, steady, type TestPair } from '../../fixtures/payload.js'
import { generator, type Random } from './generator.js'
import { existing, type ID, type Ids, spell } from './ids.js'
import { type Leaf, model, NAMES, virtualTarget } from './model.js'
import type { Touch } from './paths.js'
import { type Read, read } from './reads.js'
import { where } from './where.js'

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
