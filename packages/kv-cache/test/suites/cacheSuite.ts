import type { Payload } from 'payload'
import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import { startPair, type TestPair } from 'payload-kv-cache-test-fixtures/payload'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, resetCacheStats, withKVCache } from '../../src/index.js'
import type { KVCacheOptions } from '../../src/types.js'
import { type CallLog, observeAdapter } from './decorators.js'
import { readBattery } from './reads.js'

/** A plain and a cached Payload on one database; `db` counts the calls that reach the database. */
export type CachedPair = TestPair & { db: CallLog; data: SeedResult }

export const startCachedPair = async (
  kind: DatabaseKind,
  options: KVCacheOptions = {},
  posts = 12,
): Promise<CachedPair> => {
  let db!: CallLog
  const pair = await startPair({
    kind,
    wrap: (factory, kv) => {
      const [observed, log] = observeAdapter(factory)
      db = log
      return withKVCache(observed, kv, steady(options))
    },
  })
  const data = await seed(pair.cached, { posts })
  db.reset()
  return { ...pair, db, data }
}

const firstId = (ids: unknown[]) => ids[0] as number | string

/**
 * The scenarios every adapter must pass. Each adapter's test file only calls this: the same
 * behaviour is shown on sqlite, PostgreSQL and D1.
 */
export const cacheSuite = (kind: DatabaseKind) => {
  describe(`withKVCache on ${kind}`, () => {
    let pair: CachedPair
    let cached: Payload
    let plain: Payload

    beforeAll(async () => {
      pair = await startCachedPair(kind)
      cached = pair.cached
      plain = pair.plain
    })
    afterAll(() => pair?.cleanup())

    const expectSameReads = async (step: string) => {
      const expected = await readBattery(plain, pair.data, kind)
      // Twice: the first may fill the cache, the second must be served from it.
      for (const round of ['fill', 'hit']) {
        const actual = await readBattery(cached, pair.data, kind)
        expect(actual, `${step} (${round})`).toEqual(expected)
      }
    }

    it('keeps the adapter whole: one state, same name and properties', () => {
      expect(cached.db.name).toBe(plain.db.name)
      expect(cached.db.defaultIDType).toBe(plain.db.defaultIDType)
      expect('drizzle' in cached.db).toBe(true)
      const db = cached.db as unknown as Record<string, unknown>
      expect(db.drizzle).toBeDefined()
      expect(cached.db.payload).toBe(cached)
      const before = cached.db.migrationDir
      cached.db.migrationDir = '/tmp/elsewhere'
      expect(cached.db.migrationDir).toBe('/tmp/elsewhere')
      cached.db.migrationDir = before
      expect(typeof cached.db.find).toBe('function')
      expect(cached.db.find).toBe(cached.db.find)
      if (kind === 'd1') expect('findDistinct' in cached.db).toBe(false)
    })

    it('returns what the database returns, after every kind of write', async () => {
      const { data } = pair
      await expectSameReads('seeded')
      const post = firstId(data.posts)

      await cached.update({ collection: 'posts', id: post, data: { title: 'Renamed' } })
      await expectSameReads('update a post')

      await cached.update({
        collection: 'posts',
        id: post,
        locale: 'de',
        data: { title: 'Umbenannt' },
      })
      await expectSameReads('update a post in another locale')

      const created = await cached.create({
        collection: 'posts',
        data: { title: 'Brand new', slug: 'brand-new', views: 999, _status: 'published' },
      })
      await expectSameReads('create a post')

      await cached.create({ collection: 'comments', data: { post, body: 'A new comment' } })
      await expectSameReads('create a comment (join on posts)')

      await cached.update({
        collection: 'authors',
        id: firstId(data.authors),
        data: { name: 'Author 1' },
      })
      await cached.update({
        collection: 'authors',
        id: data.authors[1] as never,
        data: { name: 'Author 1' },
      })
      await expectSameReads('rename an author (where and sort through author.name)')

      await cached.delete({ collection: 'categories', id: data.categories.at(-1) as never })
      await expectSameReads('delete a category (foreign keys in posts)')

      await cached.updateGlobal({ slug: 'header', data: { title: 'New header' } })
      await expectSameReads('update the global')

      await cached.update({
        collection: 'posts',
        id: data.posts[1] as never,
        draft: true,
        data: { title: 'Draft only' },
      })
      await expectSameReads('save a draft')

      await cached.update({
        collection: 'posts',
        where: { views: { less_than: 300 } },
        data: { views: 7 },
      })
      await expectSameReads('update many')

      await cached.delete({ collection: 'posts', id: created.id })
      await expectSameReads('delete a post')

      await cached.delete({ collection: 'pages', id: data.pages.at(-1) as never })
      await expectSameReads('delete a page (foreign key in the header global)')
    })

    it('serves a second identical read without reaching the database', async () => {
      const args = {
        collection: 'posts' as const,
        where: { views: { greater_than: 10 } },
        depth: 0,
      }
      await cached.find(args)
      pair.db.reset()
      resetCacheStats(cached)
      const again = await cached.find(args)
      expect(pair.db.count('find')).toBe(0)
      expect(again).toEqual(await plain.find(args))
      expect(getCacheStats(cached).reads.posts?.find?.hits.memory).toBe(1)
    })

    it('gives every caller its own copy', async () => {
      const id = firstId(pair.data.posts)
      const first = await cached.findByID({ collection: 'posts', id, depth: 0 })
      first.title = 'mutated by the caller'
      ;(first as { meta?: unknown }).meta = null
      const second = await cached.findByID({ collection: 'posts', id, depth: 0 })
      expect(second).toEqual(await plain.findByID({ collection: 'posts', id, depth: 0 }))
    })

    it('never shows one user what another user may see', async () => {
      const { admin, editor } = pair.data.users
      const asEditor = () =>
        cached.find({
          collection: 'posts',
          overrideAccess: false,
          user: editor,
          depth: 0,
          limit: 100,
        })
      const asAdmin = () =>
        cached.find({
          collection: 'posts',
          overrideAccess: false,
          user: admin,
          depth: 0,
          limit: 100,
        })
      await asAdmin()
      await asEditor()
      const [editorSees, adminSees] = [await asEditor(), await asAdmin()]
      expect(adminSees.totalDocs).toBeGreaterThan(editorSees.totalDocs)
      for (const doc of editorSees.docs) expect(doc.views).toBeLessThan(1000)
      const anonymous = await cached.find({
        collection: 'posts',
        overrideAccess: false,
        depth: 0,
        limit: 100,
      })
      expect(anonymous.docs.every((doc) => doc._status === 'published')).toBe(true)
    })

    it('never answers page 2 with page 1', async () => {
      const page = (n: number) =>
        cached.find({ collection: 'posts', limit: 3, page: n, sort: 'slug', depth: 0 })
      const one = await page(1)
      const two = await page(2)
      await page(1)
      const twoAgain = await page(2)
      expect(two.page).toBe(2)
      expect(twoAgain).toEqual(two)
      expect(two.docs.map((d) => d.id)).not.toEqual(one.docs.map((d) => d.id))
    })

    it('answers identical concurrent misses with one database call', async () => {
      const args = {
        collection: 'posts' as const,
        where: { views: { less_than: 12345 } },
        depth: 0,
        limit: 7,
      }
      pair.db.reset()
      const results = await Promise.all(Array.from({ length: 5 }, () => cached.find(args)))
      expect(pair.db.count('find')).toBe(1)
      for (const result of results) expect(result).toEqual(results[0])
      results[0]?.docs.splice(0)
      expect(results[1]?.docs.length).toBeGreaterThan(0)
    })

    it('never stores a result that a write overtook (stale-set race)', async () => {
      const id = firstId(pair.data.posts)
      const read = () =>
        cached.find({ collection: 'posts', where: { id: { equals: id } }, depth: 0 })
      await cached.update({ collection: 'posts', id, data: { views: 1 } })
      // A read reaches the database, and answers only after a write has committed.
      const held = pair.db.hold('find', (args) => args.collection === 'posts')
      const slow = read()
      await held.reached
      await cached.update({ collection: 'posts', id, data: { views: 2 } })
      held.release()
      expect((await slow).docs[0]?.views).toBe(1) // it read before the write, as the database would
      expect((await read()).docs[0]?.views).toBe(2)
      expect((await read()).docs[0]?.views).toBe(2)
    })

    it('caches null results and empty pages', async () => {
      const missing = kind === 'postgres' || kind === 'd1' || kind === 'sqlite' ? 987654 : 'missing'
      const find = () =>
        cached.find({ collection: 'posts', where: { id: { equals: missing } }, depth: 0 })
      expect((await find()).docs).toEqual([])
      pair.db.reset()
      expect((await find()).docs).toEqual([])
      expect(pair.db.count('find')).toBe(0)
      const none = await cached.findByID({
        collection: 'posts',
        id: missing,
        disableErrors: true,
        depth: 0,
      })
      expect(none).toBeNull()
    })

    it.skipIf(kind !== 'postgres')(
      'leaves nothing cached from reads inside a transaction that rolls back',
      async () => {
        // A unique-constraint violation makes Payload roll its own transaction back, after the
        // update operation has read the document inside it.
        const [id, other] = pair.data.posts as [number, number]
        const taken = (await plain.findByID({ collection: 'posts', id: other, depth: 0 })).slug
        const read = () => cached.findByID({ collection: 'posts', id, depth: 0 })
        const before = await read()
        resetCacheStats(cached)
        await expect(
          cached.update({ collection: 'posts', id, data: { title: 'Uncommitted', slug: taken } }),
        ).rejects.toThrow()
        const during = getCacheStats(cached)
        expect(during.total.bypasses).toBeGreaterThan(0)
        expect(during.total.stores).toBe(0)
        expect(during.total.hits.memory + during.total.hits.kv).toBe(0)
        const after = await read()
        expect(after.title).not.toBe('Uncommitted')
        expect(after).toEqual(before)
        expect(after).toEqual(await plain.findByID({ collection: 'posts', id, depth: 0 }))
      },
    )

    it('does not cache internal collections, nor auth collections unless asked', async () => {
      resetCacheStats(cached)
      await cached.find({ collection: 'users', depth: 0 })
      await cached.find({ collection: 'payload-preferences', depth: 0 })
      await cached.find({ collection: 'payload-locked-documents', depth: 0 })
      expect(Object.keys(getCacheStats(cached).reads)).toEqual([])
    })
  })
}
