import type { Payload, Where } from 'payload'
import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import { startPair, type TestPair } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, resetCacheStats, withKVCache } from '../../src/index.js'
import { buildFuzzConfig, HIDDEN_TEAM } from '../fixtures/fuzzSchema.js'
import { type RestClient, restClient } from './controlPair.js'

type ID = number | string

/**
 * One read per construct of Payload's query grammar that a dependency walker can get wrong,
 * each followed by the write that changes its answer: the cached instance must answer as the
 * database does right after the write, in the isolate that wrote. Run on every adapter.
 */
export const dependencyScenarios = (kind: DatabaseKind, idType?: 'uuid') => {
  describe(`dependencies on ${kind}${idType ? ` (${idType} ids)` : ''}`, () => {
    let pair: TestPair
    let rest: RestClient
    let cached: Payload
    let plain: Payload

    beforeAll(async () => {
      pair = await startPair({
        kind,
        config: buildFuzzConfig,
        ...(idType ? { databaseOptions: { idType } } : {}),
        wrap: (factory, kv) => withKVCache(factory, kv, steady()),
      })
      ;({ cached, plain } = pair)
      rest = restClient(cached)
    })
    afterAll(async () => {
      rest?.dispose()
      await pair?.cleanup()
    })

    const create = async (collection: string, data: Record<string, unknown>) =>
      (await cached.create({ collection, data, depth: 0 } as never)).id as ID
    const update = (collection: string, id: ID, data: Record<string, unknown>, locale?: 'de') =>
      cached.update({ collection, id, data, depth: 0, locale } as never)

    /**
     * A small world of its own for each test: tags t1, t2; badge b1; team A (tagged t1, sponsored
     * by t1) and team B; person p1 in A with badge b1 whose `best` is t2, person p2 in B; note n1
     * by p1 tagged t1, n2 by p2; reply r1 to n1 by p1. Names carry `tag` so that no two tests see
     * each other's documents.
     */
    const world = async (tag: string) => {
      const t1 = await create('tags', { name: `alpha ${tag}`, label: 'one' })
      const t2 = await create('tags', { name: `beta ${tag}` })
      const b1 = await create('badges', { name: `alpha ${tag}` })
      const A = await create('teams', { name: `alpha ${tag}`, tags: [t1], sponsor: { brand: t1 } })
      const B = await create('teams', { name: `beta ${tag}` })
      const p1 = await create('people', {
        name: `alpha ${tag}`,
        team: A,
        badge: b1,
        best: { relationTo: 'tags', value: t2 },
      })
      const p2 = await create('people', { name: `beta ${tag}`, team: B })
      const n1 = await create('notes', { title: tag, author: p1, tags: [t1], _status: 'published' })
      const n2 = await create('notes', { title: tag, author: p2, _status: 'published' })
      const r1 = await create('replies', { note: n1, by: p1, body: tag })
      return { t1, t2, b1, A, B, p1, p2, n1, n2, r1 }
    }

    /**
     * Reads twice through the cache (the second answer comes from it), runs the write, then
     * expects the cache to answer as the database does.
     */
    const staysFresh = async (
      read: (p: Payload) => Promise<unknown>,
      write: () => Promise<unknown>,
    ) => {
      const before = await read(cached)
      resetCacheStats(cached)
      expect(await read(cached)).toEqual(before)
      const { hits } = getCacheStats(cached).total
      expect(hits.memory + hits.kv, 'the second read is served from the cache').toBeGreaterThan(0)
      await write()
      const after = await read(plain)
      expect(after, 'the write changes the answer').not.toEqual(before)
      expect(await read(cached)).toEqual(after)
    }

    const notes =
      (tag: string, where: Where, extra: Record<string, unknown> = {}) =>
      (p: Payload) =>
        p.find({
          collection: 'notes',
          where: { and: [{ title: { equals: tag } }, where] },
          depth: 0,
          sort: 'id',
          ...extra,
        } as never)

    it('and / or in another letter case', async () => {
      const w = await world('case')
      await staysFresh(notes('case', { OR: [{ 'author.name': { equals: 'alpha case' } }] }), () =>
        update('people', w.p1, { name: 'gamma case' }),
      )
    })

    it('__ as a path separator in where', async () => {
      const w = await world('sep')
      await staysFresh(notes('sep', { author__team__name: { equals: 'alpha sep' } }), () =>
        update('teams', w.A, { name: 'gamma sep' }),
      )
    })

    it('__ as a path separator in sort', async () => {
      const w = await world('sort')
      await staysFresh(notes('sort', {}, { sort: '-author__name' }), () =>
        update('people', w.p2, { name: 'aaa sort' }).then(() =>
          update('people', w.p1, { name: 'zzz sort' }),
        ),
      )
    })

    // @payloadcms/db-d1-sqlite 3.87.1 ships @payloadcms/drizzle 3.87.1, which predates nested
    // relationship queries: it matches nothing there, before and after the write alike.
    it.skipIf(kind === 'd1')(
      'a nested where under contains, on a hasMany relationship',
      async () => {
        const w = await world('nested')
        await staysFresh(
          notes('nested', { tags: { contains: { name: { equals: 'alpha nested' } } } }),
          () => update('tags', w.t1, { name: 'gamma nested' }),
        )
      },
    )

    it('a path through a join', async () => {
      const w = await world('join-path')
      const teams = (p: Payload) =>
        p.find({
          collection: 'teams',
          where: { 'members.name': { equals: 'alpha join-path' } },
          depth: 0,
        })
      await staysFresh(teams, () => update('people', w.p1, { name: 'gamma join-path' }))
    })

    it('a path ending at a reference held by the collection it walks through, when the referenced one is deleted', async () => {
      const w = await world('fk')
      // Deleting team A nulls people.team of p1 without any write to people.
      await staysFresh(notes('fk', { 'author.team': { exists: true } }), () =>
        cached.delete({ collection: 'teams', id: w.A, depth: 0 } as never),
      )
    })

    it('a join query testing a reference held by the joined collection, when the referenced one is deleted', async () => {
      const w = await world('join-fk')
      const team = (p: Payload) =>
        p.findByID({
          collection: 'teams',
          id: w.A,
          depth: 0,
          joins: { members: { where: { badge: { exists: true } } } },
        } as never)
      // Deleting b1 nulls p1.badge: p1 leaves A's `members` join. Teams reference no badges.
      await staysFresh(team, () =>
        cached.delete({ collection: 'badges', id: w.b1, depth: 0 } as never),
      )
    })

    it('a multi-hop path through a hasMany relationship inside a group', async () => {
      const w = await world('hops')
      await staysFresh(
        notes('hops', { 'author.team.sponsor.brand.name': { equals: 'alpha hops' } }),
        () => update('tags', w.t1, { name: 'gamma hops' }),
      )
    })

    it('a virtual field linked to a relationship path', async () => {
      const w = await world('virtual')
      await staysFresh(notes('virtual', { authorName: { equals: 'alpha virtual' } }), () =>
        update('people', w.p1, { name: 'gamma virtual' }),
      )
    })

    it('a localized path with its locale segment', async () => {
      const w = await world('locale')
      const tags = (p: Payload) =>
        p.find({
          collection: 'tags',
          where: { and: [{ name: { like: 'locale' } }, { 'label.de': { equals: 'eins' } }] },
          depth: 0,
        })
      await staysFresh(tags, () => update('tags', w.t1, { label: 'eins' }, 'de'))
    })

    it('a polymorphic relationship by relationTo and value', async () => {
      const w = await world('poly')
      const people = (p: Payload) =>
        p.find({
          collection: 'people',
          where: { and: [{ name: { like: 'poly' } }, { 'best.relationTo': { equals: 'tags' } }] },
          depth: 0,
        })
      await staysFresh(people, () =>
        cached.delete({ collection: 'tags', id: w.t2, depth: 0 } as never),
      )
    })

    it('an access rule walking author.team.name, for anonymous readers', async () => {
      const w = await world('access')
      const anonymous = notes('access', {}, { overrideAccess: false })
      await staysFresh(anonymous, () => update('teams', w.A, { name: HIDDEN_TEAM }))
    })

    // With @payloadcms/db-d1-sqlite 3.87.1 under Payload 3.90, `payload.kv.set` stores nothing
    // (a plain Payload's `kv.get` right after it is null): there is no entry to depend on.
    it.skipIf(kind === 'd1')(
      'a path into an internal collection (payload-kv), when Payload’s KV deletes the entry',
      async () => {
        const key = `flag-${kind}-${idType ?? 'number'}`
        await cached.kv.set(key, { on: true })
        const stored = await plain.find({
          collection: 'payload-kv',
          where: { key: { equals: key } },
          depth: 0,
        } as never)
        expect(stored.docs, 'Payload’s KV stores its entry in payload-kv').toHaveLength(1)
        await create('flags', { name: key, entry: stored.docs[0]?.id })
        const flags = (p: Payload) =>
          p.find({
            collection: 'flags',
            where: { 'entry.key': { equals: key } },
            depth: 0,
          } as never)
        await staysFresh(flags, () => cached.kv.delete(key))
      },
    )

    it('a by-ID read spelled another way than the write', async () => {
      const w = await world('ids')
      const spelled = typeof w.n1 === 'number' ? `00${w.n1}` : String(w.n1).toUpperCase()
      const byID = (p: Payload) =>
        p.findByID({ collection: 'notes', id: spelled, depth: 0 } as never)
      await staysFresh(byID, () => update('notes', w.n1, { score: 9 }))
      // And the other way round: the write spelled, the read as stored.
      const stored = (p: Payload) =>
        p.findByID({ collection: 'notes', id: w.n1, depth: 0 } as never)
      await staysFresh(stored, () => update('notes', spelled, { score: 8 }))
    })

    it('an anonymous REST read by ID with another spelling', async () => {
      const w = await world('rest')
      const spelled = typeof w.n1 === 'number' ? `0${w.n1}` : String(w.n1).toUpperCase()
      const get = () => rest.json<{ score?: number | null }>(`/notes/${spelled}?depth=0`)
      expect((await get()).score ?? null).toBeNull()
      expect((await get()).score ?? null).toBeNull()
      await update('notes', w.n1, { score: 5 })
      expect((await get()).score).toBe(5)
    })
  })
}
