import type { KVNamespace } from '@cloudflare/workers-types'
import type { Payload } from 'payload'
import { faultyKV, instrumentKV, type KVFaultPlan } from 'payload-kv-cache-test-fixtures/kv'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, resetCacheStats, settled, withKVCache } from '../src/index.js'
import { isTokenKey, tokenKey } from '../src/storage/storageKeys.js'
import { collectionList, documentToken } from '../src/storage/tokenNames.js'
import type { KVCacheOptions } from '../src/types.js'
import { type CachedPair, startCachedPair } from './suites/cacheSuite.js'

/**
 * Invalidation across isolates and under KV's own behaviour: eventual consistency, the
 * one-write-a-second limit, and its cost. Two Payload instances on one database and one KV
 * namespace stand for two isolates.
 */
const MAX_STALE_MS = 300

describe('invalidation across isolates (sqlite)', () => {
  let pair: CachedPair
  let other: TestPayload
  let plan: KVFaultPlan
  const options: KVCacheOptions = { maxStaleMs: MAX_STALE_MS }

  beforeAll(async () => {
    pair = await startCachedPair('sqlite', options, 4)
    plan = {}
    // The second isolate sees KV through a double that can lag and rate-limit like the real one.
    other = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory, kv) => withKVCache(factory, faultyKV(kv, plan), steady(options)),
    })
  })
  afterAll(async () => {
    await other?.cleanup()
    await pair?.cleanup()
  })

  const postId = () => pair.data.posts[0] as number
  const title = (payload: Payload) =>
    payload.findByID({ collection: 'posts', id: postId(), depth: 0 }).then((doc) => doc.title)
  const list = (payload: Payload) =>
    payload
      .find({ collection: 'posts', sort: 'slug', depth: 0, limit: 50 })
      .then((r) => r.docs.map((d) => `${d.id}:${d.title}`))

  it('a write in one isolate is seen by another within maxStaleMs', async () => {
    await title(other.payload)
    await list(other.payload)
    await pair.cached.update({
      collection: 'posts',
      id: postId(),
      data: { title: 'Seen elsewhere' },
    })
    // The bound runs from the token write landing in KV, which waits out KV's one write a second
    // per key when the seed wrote the same token moments ago.
    await settled(pair.cached)
    await new Promise((resolve) => setTimeout(resolve, MAX_STALE_MS + 50))
    expect(await title(other.payload)).toBe('Seen elsewhere')
    expect(await list(other.payload)).toEqual(await list(pair.plain))
  })

  it('reads its own writes at once, even while KV still answers with old data', async () => {
    plan.visibilityDelayMs = 10_000
    try {
      await title(other.payload)
      await list(other.payload)
      for (const next of ['First', 'Second', 'Third']) {
        await other.payload.update({ collection: 'posts', id: postId(), data: { title: next } })
        expect(await title(other.payload)).toBe(next)
        expect(await list(other.payload)).toEqual(await list(pair.plain))
      }
    } finally {
      plan.visibilityDelayMs = 0
    }
  })

  it('loses no invalidation when writes to one collection outpace KV’s one write a second', async () => {
    plan.rateLimitWrites = true
    try {
      for (let i = 0; i < 6; i++) {
        await other.payload.update({
          collection: 'posts',
          id: postId(),
          data: { title: `Burst ${i}` },
        })
        expect(await title(other.payload)).toBe(`Burst ${i}`)
      }
      // The last token reaches KV after the rate limit lets it; the first isolate then sees it.
      await settled(other.payload)
      await new Promise((resolve) => setTimeout(resolve, MAX_STALE_MS + 50))
      expect(await title(pair.cached)).toBe('Burst 5')
      expect(await list(pair.cached)).toEqual(await list(pair.plain))
    } finally {
      plan.rateLimitWrites = false
    }
  })
})

/** Records the key of every put, to tell invalidation tokens from cache fills. */
const recordPuts = (kv: KVNamespace, keys: string[]): KVNamespace =>
  new Proxy(kv, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (property !== 'put' || typeof value !== 'function') return value
      return (key: string, ...rest: unknown[]) => {
        keys.push(key)
        return value.call(target, key, ...rest)
      }
    },
  })

describe('what invalidation costs (sqlite)', () => {
  let counts: ReturnType<typeof instrumentKV>
  it('is a constant number of KV writes per write, with no list, however many entries exist', async () => {
    const writesFor = async (entries: number) => {
      const test = await startCachedPair('sqlite', {}, 2)
      const puts: string[] = []
      const cached = await startPayload({
        kind: 'sqlite',
        database: test.database,
        kv: test.kv,
        wrap: (factory, raw) => {
          const kv = instrumentKV(raw)
          counts = kv
          return withKVCache(factory, recordPuts(kv.kv, puts), steady())
        },
      })
      try {
        const categories = await cached.payload.find({
          collection: 'categories',
          limit: 1,
          depth: 0,
        })
        const id = categories.docs[0]?.id as number
        await cached.payload.findByID({ collection: 'categories', id, depth: 0 })
        for (let i = 0; i < entries; i++) {
          await cached.payload.find({
            collection: 'posts',
            where: { views: { greater_than: i } },
            depth: 0,
          })
        }
        await settled(cached.payload)
        counts.reset()
        puts.length = 0
        await cached.payload.update({ collection: 'categories', id, data: { name: 'Renamed' } })
        await settled(cached.payload)
        return { ...counts.counts, tokenPuts: puts.filter(isTokenKey) }
      } finally {
        await cached.cleanup()
        await test.cleanup()
      }
    }
    const few = await writesFor(1)
    const many = await writesFor(100)
    expect(many.tokenPuts).toEqual(few.tokenPuts)
    expect(many.list).toBe(0)
    expect(many.delete).toBe(0)
    // categories:list and categories:id:X. Posts reference categories, but nothing was deleted,
    // so no post read is touched.
    expect(many.tokenPuts).toEqual([
      tokenKey('payload', collectionList('categories')),
      expect.stringMatching(
        new RegExp(`^${tokenKey('payload', documentToken('categories', ''))}\\d+$`),
      ),
    ])
    // Besides those, only the reads the update itself made may store entries.
    expect(many.put - many.tokenPuts.length).toBe(few.put - few.tokenPuts.length)
  })
})

describe('item granularity (sqlite)', () => {
  it('keeps by-ID reads of other documents when one document changes', async () => {
    const pair = await startCachedPair('sqlite', {}, 1)
    try {
      const ids: (number | string)[] = []
      for (let i = 0; i < 1000; i++) {
        const doc = await pair.plain.db.create({
          collection: 'categories',
          data: { name: `C${i}` },
        })
        ids.push(doc.id as number)
      }
      const readAll = async () => {
        const docs = []
        for (const id of ids)
          docs.push(await pair.cached.findByID({ collection: 'categories', id, depth: 0 }))
        return docs
      }
      resetCacheStats(pair.cached)
      await readAll()
      // Every document was stored (a KV stall would have bypassed one and made it a miss below).
      expect(getCacheStats(pair.cached).reads.categories?.findOne?.stores).toBe(ids.length)
      await pair.cached.update({
        collection: 'categories',
        id: ids[500] as number,
        data: { name: 'Changed' },
      })
      resetCacheStats(pair.cached)
      const again = await readAll()
      expect(again[500]?.name).toBe('Changed')
      const stats = getCacheStats(pair.cached).reads.categories?.findOne
      const hits = (stats?.hits.memory ?? 0) + (stats?.hits.kv ?? 0)
      expect(hits / ids.length).toBeGreaterThanOrEqual(0.99)
      expect(stats?.misses).toBe(1)
    } finally {
      await pair.cleanup()
    }
  }, 600_000)
})
