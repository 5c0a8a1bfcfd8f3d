import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats } from '../../src/index.js'
import { startWorld, type World } from './world.js'

/**
 * Bounded memory for everything kept per key (issue 21, items 4 and 5). A crawler reads every
 * document by ID once; each such read depends on a token of its own document and is a query of
 * its own. What the isolate keeps for them — token states, query plans, entries — stays within
 * its budgets, however many documents it reads. And `maxEntryBytes` is bytes, as KV counts them.
 */
const MEMORY_BYTES = 256 * 1024
/** `memory.maxBytes / 8`, at least 256 KiB: the budget of token states, and of query plans. */
const STATE_BYTES = 256 * 1024
const CRAWLED = 8_000

describe('a crawler reading every document once (sqlite, production KV rules)', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ kv: { hotMs: 0, coldMs: 0 } })
  }, 300_000)
  afterAll(() => world?.cleanup())

  it(`keeps token states, plans and entries within their budgets after ${CRAWLED} documents`, async () => {
    const crawler = await world.isolate({ memory: { maxBytes: MEMORY_BYTES } })
    const byID = (id: number) =>
      crawler.payload.db.find({
        collection: 'posts',
        where: { id: { equals: id } },
        limit: 1,
        pagination: false,
        req: {},
      })
    for (let id = 1; id <= CRAWLED; id++) await byID(id)
    await crawler.settle()
    const { memory } = getCacheStats(crawler.payload)
    console.info(
      `[load] crawler: ${CRAWLED} documents; tokens ${memory.tokens.entries} (${memory.tokens.bytes} B), plans ${memory.plans.entries} (${memory.plans.bytes} B), entries ${memory.entries} (${memory.bytes} B)`,
    )
    expect(memory.bytes).toBeLessThanOrEqual(MEMORY_BYTES)
    expect(memory.tokens.bytes).toBeLessThanOrEqual(STATE_BYTES)
    expect(memory.tokens.entries).toBeLessThan(CRAWLED / 2)
    expect(memory.plans.bytes).toBeLessThanOrEqual(STATE_BYTES)
    expect(memory.plans.entries).toBeLessThanOrEqual(2_000)

    // What was dropped is read again from KV when needed: answers stay the database's, also
    // after a write to a document whose state was dropped long ago.
    const first = world.data.published[0] as number
    await world.plain.update({ collection: 'posts', id: first, data: { title: 'Crawled again' } })
    const writer = await world.isolate()
    await writer.payload.update({
      collection: 'posts',
      id: first,
      data: { title: 'Crawled twice' },
    })
    await writer.settle()
    await new Promise((resolve) => setTimeout(resolve, 5_100)) // the crawler's check interval
    const doc = (await byID(first)).docs[0] as { title?: { en?: string } }
    expect(doc.title?.en).toBe('Crawled twice')
  }, 180_000)
})

describe('maxEntryBytes (sqlite)', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ kv: { hotMs: 0, coldMs: 0 } })
  }, 300_000)
  afterAll(() => world?.cleanup())

  const allPosts = { collection: 'posts' as const, depth: 0, limit: 50, sort: 'slug' }
  /** Gives every post a title of `length` times `character`. */
  const retitle = async (character: string, length: number) => {
    for (const id of world.data.posts) {
      await world.plain.update({
        collection: 'posts',
        id,
        data: { title: character.repeat(length) },
        depth: 0,
      })
    }
  }

  it('counts UTF-8 bytes: a CJK result over the limit in bytes, under it in characters, is not stored', async () => {
    const limit = 256 * 1024
    // 12 posts of 9,000 characters: about 110,000 UTF-16 units, but 330,000 bytes in UTF-8.
    await retitle('漢', 9_000)
    const one = await world.isolate({ maxEntryBytes: limit })
    const expected = await world.plain.find(allPosts)
    for (let i = 0; i < 2; i++) expect(await one.payload.find(allPosts)).toEqual(expected)
    await one.settle()
    const stats = getCacheStats(one.payload).reads.posts?.find
    expect(stats?.skippedForSize).toBe(2)
    expect(stats?.stores).toBe(0)
    expect(getCacheStats(one.payload).kv.operations.write).toBe(0)

    // The same number of ASCII characters (about 110,000 bytes) is stored.
    await retitle('a', 9_000)
    const other = await world.isolate({ maxEntryBytes: limit })
    expect(await other.payload.find(allPosts)).toEqual(await world.plain.find(allPosts))
    expect(getCacheStats(other.payload).reads.posts?.find?.stores).toBe(1)
  }, 120_000)
})
