import type { Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getCacheStats, resetCacheStats } from '../src/index.js'
import { isTokenKey } from '../src/storage/storageKeys.js'
import {
  type ControlPair,
  type Isolate,
  startControlPair,
  startIsolate,
} from './suites/controlPair.js'

/**
 * Stale-while-revalidate (issue 12, item 5), on a fake clock (`Date` only: timers, Payload and KV
 * run for real). The clock only moves forward, as invalidation tokens carry their time. The plain
 * instance writes to the database behind the cache's back, so that a stale answer is visible.
 */

const BOOT_TIMEOUT = 120_000
const TTL = 60
const WINDOW = 120
const MAX_STALE_MS = 1_000

describe('staleWhileRevalidate (sqlite)', () => {
  let pair: ControlPair
  let other: Isolate
  let clock = 0
  const advance = (seconds: number) => {
    clock += seconds * 1000
    vi.setSystemTime(clock)
  }

  beforeAll(async () => {
    const options = { ttl: TTL, staleWhileRevalidate: WINDOW, maxStaleMs: MAX_STALE_MS }
    pair = await startControlPair('sqlite', { options })
    other = await startIsolate(pair, options)
    clock = Date.now()
    vi.useFakeTimers({ toFake: ['Date'], now: clock })
  }, BOOT_TIMEOUT)
  afterAll(async () => {
    vi.useRealTimers()
    await other?.cleanup()
    await pair?.cleanup()
  })

  const post = (i: number) => pair.data.published[i] as number
  const title = (payload: Payload, id: number) =>
    payload.findByID({ collection: 'posts', id, depth: 0 }).then((doc) => doc.title as string)
  /** Changes a post without the cache knowing (the plain instance has none). */
  const behindTheCache = (id: number, value: string) =>
    pair.plain.update({ collection: 'posts', id, depth: 0, data: { title: value } })
  const fresh = async () => {
    await pair.settle()
    await other.settle()
    resetCacheStats(pair.cached)
    resetCacheStats(other.payload)
    pair.db.reset()
  }

  it('serves an expired entry within the window while one background read replaces it', async () => {
    const id = post(0)
    const before = await title(pair.cached, id)
    await behindTheCache(id, 'Refreshed')
    await fresh()

    advance(TTL + 1)
    // Two reads at once: both answered from the stale entry, one database read between them.
    expect(await Promise.all([title(pair.cached, id), title(pair.cached, id)])).toEqual([
      before,
      before,
    ])
    await pair.settle()
    expect(pair.db.count('findOne', 'posts')).toBe(1)
    expect(getCacheStats(pair.cached).staleWhileRevalidate).toEqual({
      served: 2,
      refreshed: 1,
      failed: 0,
    })

    // The refreshed entry is fresh for a whole TTL.
    expect(await title(pair.cached, id)).toBe('Refreshed')
    advance(TTL - 1)
    expect(await title(pair.cached, id)).toBe('Refreshed')
    expect(pair.db.count('findOne', 'posts')).toBe(1)
    expect(getCacheStats(pair.cached).staleWhileRevalidate.served).toBe(2)
  })

  it('past the window, an expired entry is a miss read from the database', async () => {
    const id = post(1)
    await title(pair.cached, id)
    await behindTheCache(id, 'Past the window')
    await fresh()
    advance(TTL + WINDOW + 1)
    expect(await title(pair.cached, id)).toBe('Past the window')
    expect(getCacheStats(pair.cached).reads.posts?.findOne).toMatchObject({ misses: 1 })
    expect(getCacheStats(pair.cached).staleWhileRevalidate.served).toBe(0)
  })

  it('never serves an entry made stale by a write, in the writing isolate or another', async () => {
    const id = post(2)
    await title(pair.cached, id)
    await title(other.payload, id)
    advance(TTL + 1) // both entries expired, within the window
    await pair.cached.update({ collection: 'posts', id, depth: 0, data: { title: 'Written' } })
    await fresh()
    expect(await title(pair.cached, id)).toBe('Written')
    advance(MAX_STALE_MS / 1000 + 1) // the other isolate asks KV for the tokens again
    expect(await title(other.payload, id)).toBe('Written')
    for (const payload of [pair.cached, other.payload]) {
      const stats = getCacheStats(payload)
      expect(stats.staleWhileRevalidate.served).toBe(0)
      expect(stats.reads.posts?.findOne?.hits.memory).toBe(0)
    }
  })

  it('a fresh isolate serves an expired KV entry within the window and refreshes it', async () => {
    const id = post(3)
    const query = { collection: 'posts' as const, depth: 0, where: { id: { equals: id } } }
    const before = (await pair.cached.find(query)).docs[0]?.title
    await pair.settle()
    await behindTheCache(id, 'Refreshed elsewhere')
    await fresh()
    advance(TTL + 1)
    expect((await other.payload.find(query)).docs[0]?.title).toBe(before)
    expect(getCacheStats(other.payload).reads.posts?.find?.hits.kv).toBe(1)
    await other.settle()
    expect(getCacheStats(other.payload).staleWhileRevalidate).toEqual({
      served: 1,
      refreshed: 1,
      failed: 0,
    })
    expect((await other.payload.find(query)).docs[0]?.title).toBe('Refreshed elsewhere')
  })

  it('KV keeps entries for their TTL plus the window', async () => {
    // Only this test's entry: earlier tests' isolates wrote entries with options of their own
    // (their windows, and `staleIfError`'s 60 s, which KV keeps entries for as well).
    for (const key of (await pair.kv.list({ prefix: 'payload:' })).keys) {
      if (!isTokenKey(key.name)) await pair.kv.delete(key.name)
    }
    await pair.cached.find({
      collection: 'posts',
      depth: 0,
      limit: 1,
      where: { slug: { exists: true } },
    })
    await pair.settle()
    const realNow = (performance.timeOrigin + performance.now()) / 1000
    const { keys } = await pair.kv.list({ prefix: 'payload:' })
    const entries = keys.filter((key) => !isTokenKey(key.name))
    expect(entries.length).toBeGreaterThan(0)
    for (const key of entries) {
      // Written during this file's run, each for TTL + WINDOW seconds from its put.
      expect(key.expiration).toBeGreaterThan(realNow + TTL + WINDOW - 60)
      expect(key.expiration).toBeLessThanOrEqual(realNow + TTL + WINDOW + 1)
    }
  })
})
