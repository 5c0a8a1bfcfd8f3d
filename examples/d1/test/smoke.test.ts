import { getPayload, type Payload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type CloudflareContext, getCloudflareContext } from '../src/cloudflare.js'
import { createConfig } from '../src/config.js'

let cloudflare: CloudflareContext
let payload: Payload

beforeAll(async () => {
  // Fresh in-memory D1 and KV from wrangler.jsonc, as `pnpm start` gets them, but not persisted.
  cloudflare = await getCloudflareContext({ persist: false })
  payload = await getPayload({
    config: createConfig({ ...cloudflare, logLevel: 'warn' }),
    key: `example-d1-smoke-${Date.now()}`,
  })
})

afterAll(async () => {
  await payload?.destroy()
  // Always stop workerd, or it outlives the test run.
  await cloudflare?.dispose()
})

test('the D1 example creates a post and reads it back, the second time from the cache', async () => {
  const author = await payload.create({ collection: 'authors', data: { name: 'Ada', slug: 'ada' } })
  const category = await payload.create({ collection: 'categories', data: { title: 'Edge', slug: 'edge' } })
  const post = await payload.create({
    collection: 'posts',
    locale: 'en',
    data: { title: 'Hello', slug: 'hello', author: author.id, categories: [category.id], _status: 'published' },
  })
  await payload.update({ collection: 'posts', id: post.id, locale: 'de', data: { title: 'Hallo' } })
  await payload.create({ collection: 'comments', data: { post: post.id, name: 'sam', body: 'Nice' } })

  const read = () =>
    payload.find({ collection: 'posts', locale: 'de', where: { slug: { equals: 'hello' } }, depth: 1, overrideAccess: false })
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

  // An edit is seen by the next read.
  await payload.update({ collection: 'posts', id: post.id, locale: 'de', data: { title: 'Hallo, Welt' } })
  expect((await read()).docs[0]?.title).toBe('Hallo, Welt')

  await payload.delete({ collection: 'posts', id: post.id })
  expect((await read()).totalDocs).toBe(0)
})
