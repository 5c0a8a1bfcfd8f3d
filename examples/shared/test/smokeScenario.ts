import type { Payload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import { expect } from 'vitest'

/**
 * What each example's smoke test checks, on whatever database it boots: a post with an author,
 * categories, two locales and a comment (through the join) is created, read twice (the second
 * time from the cache, with the same answer), edited (the next read sees the edit) and deleted.
 */
export const smokeScenario = async (payload: Payload): Promise<void> => {
  const author = await payload.create({ collection: 'authors', data: { name: 'Ada', slug: 'ada' } })
  const category = await payload.create({
    collection: 'categories',
    data: { title: 'Edge', slug: 'edge' },
  })
  const post = await payload.create({
    collection: 'posts',
    locale: 'en',
    data: {
      title: 'Hello',
      slug: 'hello',
      author: author.id,
      categories: [category.id],
      _status: 'published',
    },
  })
  await payload.update({ collection: 'posts', id: post.id, locale: 'de', data: { title: 'Hallo' } })
  await payload.create({
    collection: 'comments',
    data: { post: post.id, name: 'sam', body: 'Nice' },
  })

  const read = () =>
    payload.find({
      collection: 'posts',
      locale: 'de',
      where: { slug: { equals: 'hello' } },
      depth: 1,
      overrideAccess: false,
    })
  const first = await read()
  const before = getCacheStats(payload).total
  const second = await read()
  const after = getCacheStats(payload).total

  expect(second).toEqual(first)
  expect(first.docs[0]).toMatchObject({
    title: 'Hallo',
    author: { name: 'Ada' },
    categories: [{ slug: 'edge' }],
    comments: { docs: [{ name: 'sam' }] },
  })
  expect(after.hits.memory + after.hits.kv).toBeGreaterThan(before.hits.memory + before.hits.kv)
  expect(after.misses).toBe(before.misses)

  await payload.update({
    collection: 'posts',
    id: post.id,
    locale: 'de',
    data: { title: 'Hallo, Welt' },
  })
  expect((await read()).docs[0]?.title).toBe('Hallo, Welt')

  await payload.delete({ collection: 'posts', id: post.id })
  expect((await read()).totalDocs).toBe(0)
}
