import type { Payload, Where } from 'payload'
import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import { prng } from 'payload-kv-cache-test-fixtures/seed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CachedPair, startCachedPair } from './cacheSuite.js'

/**
 * Many interleaved reads and writes over related collections, chosen by a seeded PRNG; after every
 * operation the cached instance is compared with the plain one on the same database. Zero
 * differences allowed.
 */
export const randomizedSuite = (kind: DatabaseKind, operations: number, seed = 7) => {
  describe(`randomized reads and writes on ${kind} (seed ${seed})`, () => {
    let pair: CachedPair
    beforeAll(async () => {
      pair = await startCachedPair(kind, {}, 8)
    })
    afterAll(() => pair?.cleanup())

    it(`answers like the database after each of ${operations} operations`, async () => {
      const random = prng(seed)
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
      const ids = {
        posts: [...pair.data.posts],
        categories: [...pair.data.categories],
        authors: [...pair.data.authors],
        pages: [...pair.data.pages],
      }
      let counter = 0

      // Each entry fixes its random choices first, then reads the same way from both instances.
      type Read = (p: Payload) => Promise<unknown>
      const reads: (() => Read)[] = [
        () => {
          const sort = pick(['slug', '-views', 'author.name'])
          const page = pick([1, 2])
          return (p) => p.find({ collection: 'posts', sort, depth: 1, limit: 6, page })
        },
        () => (p) =>
          p.find({
            collection: 'posts',
            where: { 'categories.name': { like: 'Category' } } as Where,
            depth: 0,
            sort: 'slug',
          }),
        () => (p) =>
          p.find({ collection: 'categories', depth: 1, sort: 'name', pagination: false }),
        () => {
          const id = pick(ids.posts)
          return (p) =>
            p.findByID({ collection: 'posts', id: id as never, depth: 1, disableErrors: true })
        },
        () => {
          const id = pick(ids.categories)
          return (p) =>
            p.findByID({ collection: 'categories', id: id as never, depth: 0, disableErrors: true })
        },
        () => {
          const locale = pick(['en', 'de'] as const)
          return (p) => p.find({ collection: 'posts', draft: true, depth: 0, sort: 'slug', locale })
        },
        () => (p) => p.count({ collection: 'comments' }),
        () => (p) => p.findGlobal({ slug: 'header', depth: 1 }),
        () => (p) =>
          p.find({
            collection: 'comments',
            where: { 'post.views': { greater_than: 500 } } as Where,
            depth: 0,
            sort: 'body',
          }),
      ]

      const writes: ((p: Payload) => Promise<unknown>)[] = [
        (p) =>
          p.update({
            collection: 'posts',
            id: pick(ids.posts) as never,
            data: { views: Math.floor(random() * 2000) },
          }),
        (p) =>
          p.update({
            collection: 'posts',
            id: pick(ids.posts) as never,
            locale: 'de',
            data: { title: `T${counter++}` },
          }),
        (p) =>
          p.update({
            collection: 'posts',
            id: pick(ids.posts) as never,
            draft: true,
            data: { title: `D${counter++}` },
          }),
        (p) =>
          p.update({
            collection: 'authors',
            id: pick(ids.authors) as never,
            data: { name: `Author ${Math.floor(random() * 3)}` },
          }),
        (p) =>
          p.update({
            collection: 'categories',
            id: pick(ids.categories) as never,
            data: { name: `Category ${counter++}` },
          }),
        async (p) => {
          const doc = await p.create({
            collection: 'categories',
            data: { name: `New ${counter++}` },
          })
          ids.categories.push(doc.id)
        },
        async (p) => {
          if (ids.categories.length < 3) return
          const id = ids.categories.splice(Math.floor(random() * ids.categories.length), 1)[0]
          await p.delete({ collection: 'categories', id: id as never })
        },
        (p) =>
          p.create({
            collection: 'comments',
            data: { post: pick(ids.posts), body: `C${counter++}` },
          }),
        (p) =>
          p.updateGlobal({
            slug: 'header',
            data: { title: `H${counter++}`, nav: [{ label: 'x', page: pick(ids.pages) }] },
          }),
        (p) =>
          p.update({
            collection: 'posts',
            where: { views: { less_than: Math.floor(random() * 1000) } },
            data: { views: 3 },
          }),
        async (p) => {
          const doc = await p.create({
            collection: 'posts',
            data: {
              title: `P${counter}`,
              slug: `p-${counter++}`,
              categories: [pick(ids.categories)],
              _status: 'published',
            },
          })
          ids.posts.push(doc.id)
        },
      ]

      for (let step = 0; step < operations; step++) {
        if (random() < 0.35) await pick(writes)(pair.cached)
        else await pick(reads)()(pair.cached)
        for (let i = 0; i < 3; i++) {
          const read = pick(reads)()
          const expected = await read(pair.plain).catch((e: Error) => e.message)
          const actual = await read(pair.cached).catch((e: Error) => e.message)
          expect(actual, `step ${step}`).toEqual(expected)
        }
      }
    }, 900_000)
  })
}
