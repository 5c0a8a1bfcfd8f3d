import type { Payload } from 'payload'
import { instrumentKV } from 'payload-kv-cache-test-fixtures/kv'
import { startPayload } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, settled, withKVCache } from '../src/index.js'
import { type CachedPair, startCachedPair } from './suites/cacheSuite.js'

/**
 * One KV round trip on a hit in a fresh isolate (issue 12, item 2): the tokens and the entry are
 * read in one bulk get, and the entry counts only when the tokens it carries are the current ones.
 */

const BOOT_TIMEOUT = 120_000
const MAX_STALE_MS = 200

describe('KV round trips (sqlite)', () => {
  let pair: CachedPair
  const started: Array<{ cleanup(): Promise<void> }> = []

  beforeAll(async () => {
    pair = await startCachedPair('sqlite', { maxStaleMs: MAX_STALE_MS }, 4)
  }, BOOT_TIMEOUT)
  afterAll(async () => {
    for (const isolate of started) await isolate.cleanup()
    await pair?.cleanup()
  })

  /** Another isolate on the same database and KV, with nothing in memory and its KV calls counted. */
  const freshIsolate = async () => {
    const counted = instrumentKV(pair.kv)
    const isolate = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory) => withKVCache(factory, counted.kv, steady({ maxStaleMs: MAX_STALE_MS })),
    })
    started.push(isolate)
    counted.reset()
    return { payload: isolate.payload, counts: counted.counts }
  }

  const postId = () => pair.data.posts[0] as number
  const byId = (payload: Payload) =>
    payload.findByID({ collection: 'posts', id: postId(), depth: 0 })

  it('a KV hit in a fresh isolate costs one KV round trip', async () => {
    const expected = await byId(pair.cached)
    await settled(pair.cached)
    const fresh = await freshIsolate()
    expect(await byId(fresh.payload)).toEqual(expected)
    expect(getCacheStats(fresh.payload).reads.posts?.findOne?.hits.kv).toBe(1)
    expect(fresh.counts.get).toBe(1) // tokens and entry in one bulk get
    expect(fresh.counts.getBulk).toBe(1)
  })

  it('a warm isolate refreshing its tokens does not read entries its memory holds', async () => {
    const fresh = await freshIsolate()
    await byId(fresh.payload)
    await new Promise((resolve) => setTimeout(resolve, MAX_STALE_MS + 50))
    const before = fresh.counts.keysRead
    await byId(fresh.payload)
    expect(getCacheStats(fresh.payload).reads.posts?.findOne?.hits.memory).toBe(1)
    // Only the tokens were read again (findByID of posts depends on a handful of them).
    const tokens = before - 1
    expect(fresh.counts.keysRead - before).toBe(tokens)
  })

  it('an entry stored by a read that a write overtook is never served, in any isolate', async () => {
    const id = postId()
    const read = (payload: Payload) =>
      payload.find({ collection: 'posts', where: { id: { equals: id } }, depth: 0 })
    await pair.cached.update({ collection: 'posts', id, data: { views: 1 } })
    await settled(pair.cached)
    // A read reaches the database, and answers only after a write has committed; its entry (one
    // KV key per query) lands in KV after the write's tokens.
    const held = pair.db.hold('find', (args) => args.collection === 'posts')
    const slow = read(pair.cached)
    await held.reached
    await pair.cached.update({ collection: 'posts', id, data: { views: 2 } })
    await settled(pair.cached)
    held.release()
    expect((await slow).docs[0]?.views).toBe(1)
    await settled(pair.cached)

    const fresh = await freshIsolate()
    expect((await read(fresh.payload)).docs[0]?.views).toBe(2)
    expect(getCacheStats(fresh.payload).reads.posts?.find).toMatchObject({
      misses: 1,
      hits: { kv: 0, memory: 0 },
    })
    expect((await read(pair.cached)).docs[0]?.views).toBe(2)
  })
})
