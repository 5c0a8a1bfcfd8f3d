import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CacheEvent, onCacheEvent, settled, withKVCache } from '../src/index.js'
import { recordFill } from '../src/read/recordFill.js'
import { ALL, collectionItems, collectionList, documentToken } from '../src/storage/tokenNames.js'
import { type CachedPair, startCachedPair } from './suites/cacheSuite.js'

/**
 * Reads that fill a page cache (`recordFill`, what payload-kv-cache-hooks' page-cache helper
 * runs a render in): each goes to the database, never through this isolate's view of the
 * invalidation tokens, and says what it depended on in the cache's own terms.
 */
describe('reads that fill a page cache (sqlite)', () => {
  let pair: CachedPair
  /** A second isolate on the same database and KV, whose view of the tokens is old. */
  let lagging: TestPayload
  const reads: Extract<CacheEvent, { type: 'bypass' | 'hit' | 'miss' }>[] = []

  beforeAll(async () => {
    pair = await startCachedPair('sqlite', {}, 4)
    lagging = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      // An isolate at the far end of the cross-isolate bound: it asks KV about invalidations
      // once a minute.
      wrap: (factory, kv) => withKVCache(factory, kv, steady({ invalidationCheckMs: 60_000 })),
    })
    onCacheEvent(lagging.payload, (event) => {
      if (event.type === 'bypass' || event.type === 'hit' || event.type === 'miss') {
        reads.push(event)
      }
    })
  })
  afterAll(async () => {
    await lagging?.cleanup()
    await pair?.cleanup()
  })

  const postId = () => pair.data.posts[0] as number
  const page = () =>
    lagging.payload.findByID({ collection: 'posts', id: postId(), depth: 1 }).then((post) => ({
      title: post.title,
      author: (post.author as { name?: string } | null)?.name,
    }))

  it('records the tokens of every read, population included, and reads the database', async () => {
    reads.length = 0
    const { value, tokens, untracked } = await recordFill(page)
    expect(value.title).toBeTruthy()
    const id = String(postId())
    expect(tokens).toEqual(
      expect.arrayContaining([
        ALL,
        collectionItems('posts'),
        documentToken('posts', id),
        // The author and categories, populated at depth 1 by reads of their own.
        collectionList('authors'),
        collectionList('categories'),
      ]),
    )
    expect(untracked).toEqual([])
    expect(reads.length).toBeGreaterThan(1)
    expect(reads.every((event) => event.type === 'bypass' && event.reason === 'request')).toBe(true)
  })

  it('is fresh where the same isolate, reading through its cache, is still stale', async () => {
    const before = await page() // fills this isolate's memory tier and its view of the tokens
    expect(await page()).toEqual(before)
    const post = await pair.cached.findByID({ collection: 'posts', id: postId(), depth: 0 })
    await pair.cached.update({ collection: 'posts', id: postId(), data: { title: 'Renamed' } })
    await pair.cached.update({
      collection: 'authors',
      id: post.author as number,
      data: { name: 'Renamed author' },
    })
    await settled(pair.cached)
    // Within its bound this isolate still answers from what it knew; a fill never does.
    expect(await page()).toEqual(before)
    const { value } = await recordFill(page)
    expect(value).toEqual({ title: 'Renamed', author: 'Renamed author' })
    // Nothing the fill read was stored: the cached read is as stale as before.
    expect(await page()).toEqual(before)
  })

  it('records into the fills around it, and ends with its scope', async () => {
    const outer = await recordFill(async () => {
      const inner = await recordFill(() => lagging.payload.findGlobal({ slug: 'header', depth: 0 }))
      expect(inner.tokens).toContain('g:header')
      return lagging.payload.count({ collection: 'comments' })
    })
    expect(outer.tokens).toEqual(expect.arrayContaining(['g:header', collectionList('comments')]))
    reads.length = 0
    await lagging.payload.count({ collection: 'comments' })
    expect(reads.map((event) => event.type)).not.toContain('bypass')
  })

  it('still refuses a bad cache control', async () => {
    await expect(
      recordFill(() =>
        lagging.payload.find({
          collection: 'posts',
          context: { kvCache: { bypass: 'yes' as unknown as boolean } },
        }),
      ),
    ).rejects.toThrow(/bypass must be a boolean/)
  })
})
