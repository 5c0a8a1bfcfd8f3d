import type { Payload, Where } from 'payload'
import type { KVFaultPlan } from 'payload-kv-cache-test-fixtures/kv'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type CacheEvent,
  type CacheStats,
  flush,
  getCacheStats,
  invalidate,
  KVCacheMissError,
  purge,
  resetCacheStats,
} from '../src/index.js'
import {
  type ControlPair,
  type Isolate,
  startControlPair,
  startIsolate,
} from './suites/controlPair.js'

/**
 * Statistics, `onEvent` and `debug` (issue 5), checked against what each test did: the reads it
 * made, the calls that reached the database, and the KV operations `instrumentKV` saw.
 */

const BOOT_TIMEOUT = 120_000
/** Small enough that a page of 12 posts (~7 KB) is not stored, large enough for anything else here (~1.3 KB). */
const MAX_ENTRY_BYTES = 4_000
const CIRCUIT_THRESHOLD = 5
const CIRCUIT_COOLDOWN_MS = 400
// The default: a shorter one could make a slow but healthy KV call count as a timeout on a busy machine.
const TIMEOUT_MS = 1_000

describe('statistics and events on sqlite', () => {
  let pair: ControlPair
  let cached: Payload
  let events: CacheEvent[] = []
  /** KV faults, off until the last tests. */
  const faults: KVFaultPlan = {}

  beforeAll(async () => {
    pair = await startControlPair('sqlite', {
      faults,
      options: {
        debug: true,
        onEvent: (event) => events.push(event),
        maxEntryBytes: MAX_ENTRY_BYTES,
        timeoutMs: TIMEOUT_MS,
        circuitThreshold: CIRCUIT_THRESHOLD,
        circuitCooldownMs: CIRCUIT_COOLDOWN_MS,
      },
    })
    cached = pair.cached
  }, BOOT_TIMEOUT)
  afterAll(() => pair?.cleanup())

  /** Waits for background KV work, then zeroes statistics, events and call counts. */
  const fresh = async () => {
    await pair.settle()
    resetCacheStats(cached)
    events = []
    pair.db.reset()
    pair.kvCalls.reset()
  }
  const stats = (): CacheStats => getCacheStats(cached)
  const only = (tag: string): Where => ({ slug: { not_equals: `never-${tag}` } })
  /** A small page (2 posts) with a `where` of its own, so that no test sees another's entries. */
  const posts = (tag: string) => ({
    collection: 'posts' as const,
    depth: 0,
    limit: 2,
    where: only(tag),
  })
  const published = (i: number) => pair.data.published[i] as number | string
  const zero = {
    hits: { memory: 0, kv: 0 },
    misses: 0,
    hedged: 0,
    bypasses: 0,
    stores: 0,
    skippedForSize: 0,
    skippedRoundTrip: 0,
    hitRate: 0,
  }

  describe('counts', () => {
    it('3 identical reads: 1 miss, 2 memory hits, 1 store, by collection and operation', async () => {
      await fresh()
      for (let i = 0; i < 3; i++) await cached.find(posts('three'))
      expect(pair.db.count('find')).toBe(1)
      const expected = {
        hits: { memory: 2, kv: 0 },
        misses: 1,
        hedged: 0,
        bypasses: 0,
        stores: 1,
        skippedForSize: 0,
        skippedRoundTrip: 0,
        hitRate: 2 / 3,
      }
      expect(stats().reads).toEqual({ posts: { find: expected } })
      expect(stats().total).toEqual(expected)
      expect(stats().memory.entries).toBeGreaterThanOrEqual(1)
      expect(stats().memory.bytes).toBeGreaterThan(0)
    })

    it('counts every collection, global and operation apart; total is their sum', async () => {
      await fresh()
      const id = published(0)
      for (let i = 0; i < 2; i++) {
        await cached.find(posts('apart'))
        await cached.findByID({ collection: 'posts', id, depth: 0 })
        await cached.count({ collection: 'posts', where: only('apart') })
        await cached.findGlobal({ slug: 'header', depth: 0 })
        await cached.find({ collection: 'authors', depth: 0, limit: 2 })
      }
      await cached.find({ ...posts('apart-bypass'), context: { kvCache: { bypass: true } } })
      const once = {
        hits: { memory: 1, kv: 0 },
        misses: 1,
        hedged: 0,
        bypasses: 0,
        stores: 1,
        skippedForSize: 0,
        skippedRoundTrip: 0,
        hitRate: 0.5,
      }
      const { reads, total } = stats()
      expect(reads).toEqual({
        posts: { find: { ...once, bypasses: 1 }, findOne: once, count: once },
        header: { findGlobal: once },
        authors: { find: once },
      })
      expect(total).toEqual({
        hits: { memory: 5, kv: 0 },
        misses: 5,
        hedged: 0,
        bypasses: 1,
        stores: 5,
        skippedForSize: 0,
        skippedRoundTrip: 0,
        hitRate: 0.5,
      })
      expect(
        pair.db.count('find') +
          pair.db.count('findOne') +
          pair.db.count('count') +
          pair.db.count('findGlobal'),
      ).toBe(6)
    })

    it('counts a result too large to store as skippedForSize, and every read of it reaches the database', async () => {
      await fresh()
      const everything = { collection: 'posts' as const, depth: 0, limit: 0, where: only('large') }
      await cached.find(everything)
      await cached.find(everything)
      expect(pair.db.count('find')).toBe(2)
      expect(stats().reads.posts?.find).toMatchObject({
        misses: 2,
        stores: 0,
        skippedForSize: 2,
        hits: { memory: 0, kv: 0 },
      })
      const skipped = events.filter((event) => event.type === 'skip-size')
      expect(skipped).toHaveLength(2)
      for (const event of skipped) expect(event.bytes).toBeGreaterThan(MAX_ENTRY_BYTES)
    })

    it('counts invalidations by collection and global', async () => {
      await fresh()
      await invalidate(cached, [{ collection: 'authors', id: pair.data.authors[0] as number }])
      await invalidate(cached, [{ collection: 'authors' }, { global: 'header' }])
      await flush(cached)
      expect(stats().invalidations).toEqual({ authors: 2, header: 1, '*': 1 })

      resetCacheStats(cached)
      await cached.update({
        collection: 'categories',
        id: pair.data.categories[0] as number,
        depth: 0,
        data: { name: 'Renamed' },
      })
      await cached.updateGlobal({ slug: 'header', depth: 0, data: { title: 'Counted' } })
      const { invalidations } = stats()
      expect(Object.keys(invalidations).sort()).toEqual(['categories', 'header'])
      expect(invalidations.categories).toBeGreaterThan(0)
      expect(invalidations.header).toBeGreaterThan(0)
    })

    // Fails today: cache.ts read() throws KVCacheMissError before emitting anything, so a
    // cache-only lookup that finds nothing is not counted, and hitRate ignores it.
    it('counts a cache-only miss as a miss (it looked, and found nothing)', async () => {
      await fresh()
      await expect(
        cached.find({ ...posts('cache-only-miss'), context: { kvCache: { mode: 'cache-only' } } }),
      ).rejects.toBeInstanceOf(KVCacheMissError)
      expect(stats().reads.posts?.find).toMatchObject({ misses: 1, stores: 0, hitRate: 0 })
      expect(events.filter((event) => event.type === 'miss')).toHaveLength(1)
    })
  })

  describe('resetCacheStats', () => {
    it('zeroes every counter, keeps the cached entries', async () => {
      await fresh()
      await cached.find(posts('reset'))
      await cached.find(posts('reset'))
      await cached.update({
        collection: 'authors',
        id: pair.data.authors[1] as number,
        depth: 0,
        data: { name: 'Reset' },
      })
      await pair.settle()
      const before = stats()
      expect(before.total.stores).toBeGreaterThan(0)
      expect(Object.keys(before.invalidations).length).toBeGreaterThan(0)
      expect(before.kv.operations.write).toBeGreaterThan(0)
      expect(before.kv.bytesWritten).toBeGreaterThan(0)

      resetCacheStats(cached)
      const after = stats()
      expect(after.reads).toEqual({})
      expect(after.total).toEqual(zero)
      expect(after.invalidations).toEqual({})
      expect(after.kv).toEqual({
        operations: { read: 0, write: 0, delete: 0, list: 0 },
        errors: 0,
        timeouts: 0,
        rateLimited: 0,
        quotaExceeded: 0,
        unwrittenTokens: 0,
        bytesRead: 0,
        bytesWritten: 0,
        circuit: 'closed',
      })
      // The memory tier is state, not a statistic: reset leaves it, and the next read hits.
      expect(after.memory).toEqual(before.memory)
      pair.db.reset()
      await cached.find(posts('reset'))
      expect(pair.db.count('find')).toBe(0)
      expect(stats().reads.posts?.find?.hits.memory).toBe(1)
    })
  })

  describe('KV operations', () => {
    const expectKVCountsMatch = () => {
      const { operations } = stats().kv
      const seen = pair.kvCalls.counts
      expect(operations).toEqual({
        read: seen.get,
        write: seen.put,
        delete: seen.delete,
        list: seen.list,
      })
    }

    it('match what instrumentKV saw, by type, across reads, writes and purge', async () => {
      await fresh()
      await cached.find(posts('kv-ops'))
      await cached.find(posts('kv-ops'))
      await cached.findByID({ collection: 'posts', id: published(1), depth: 0 })
      await pair.settle()
      expect(stats().kv.operations.write).toBe(2) // the two entries stored
      expect(stats().kv.operations.read).toBeGreaterThanOrEqual(2) // at least their two lookups
      expectKVCountsMatch()

      await cached.update({ collection: 'posts', id: published(1), depth: 0, data: { views: 5 } })
      await pair.settle()
      expectKVCountsMatch()

      await purge(cached, { collection: 'posts' })
      const { operations } = stats().kv
      expect(operations.list).toBeGreaterThanOrEqual(1)
      expect(operations.delete).toBeGreaterThanOrEqual(2)
      expectKVCountsMatch()
      expect(stats().kv).toMatchObject({ errors: 0, timeouts: 0, circuit: 'closed' })
    })

    it('projects the KV cost at Cloudflare’s prices, reads billed per key', async () => {
      await fresh()
      await cached.find(posts('cost'))
      await cached.findByID({ collection: 'posts', id: published(3), depth: 0 })
      await cached.update({ collection: 'posts', id: published(3), depth: 0, data: { views: 7 } })
      await purge(cached, { collection: 'posts' }, { maxOperations: 3 })
      await pair.settle()
      const seen = pair.kvCalls.counts
      expect(seen.keysRead).toBeGreaterThan(seen.get) // bulk gets of tokens
      const { cost } = stats()
      expect(cost).toEqual({
        reads: seen.keysRead,
        writes: seen.put,
        deletes: seen.delete,
        lists: seen.list,
        usd: expect.any(Number),
      })
      expect(cost.usd).toBeCloseTo(
        (seen.keysRead * 0.5 + (seen.put + seen.delete + seen.list) * 5) / 1e6,
        12,
      )
      resetCacheStats(cached)
      expect(stats().cost).toEqual({ reads: 0, writes: 0, deletes: 0, lists: 0, usd: 0 })
    })

    it('counting costs no KV operation', async () => {
      await fresh()
      await cached.find(posts('free'))
      await pair.settle()
      const seen = { ...pair.kvCalls.counts }
      const counted = stats().kv
      for (let i = 0; i < 20; i++) getCacheStats(cached)
      resetCacheStats(cached)
      expect(pair.kvCalls.counts).toEqual(seen)
      expect(counted.operations.read + counted.operations.write).toBe(seen.total)
    })

    describe('bytes, seen from a second isolate', () => {
      let other: Isolate
      beforeAll(async () => {
        other = await startIsolate(pair)
      }, BOOT_TIMEOUT)
      afterAll(() => other?.cleanup())

      it('an entry written by one isolate is a KV hit in the other; bytes read = bytes written, and the tokens read beside it', async () => {
        await fresh()
        const id = published(2)
        const read = (payload: Payload) => payload.findByID({ collection: 'posts', id, depth: 0 })
        const expected = await read(cached)
        await pair.settle()
        const written = stats().kv.bytesWritten
        expect(stats().kv.operations.write).toBe(1)
        expect(written).toBeGreaterThan(JSON.stringify(expected).length / 2)

        resetCacheStats(other.payload)
        expect(await read(other.payload)).toEqual(expected)
        expect(await read(other.payload)).toEqual(expected)
        const there = getCacheStats(other.payload)
        expect(there.reads.posts?.findOne).toMatchObject({
          hits: { kv: 1, memory: 1 },
          misses: 0,
          stores: 0,
        })
        // The fresh isolate reads the entry in the bulk get of its tokens (each under 32 bytes).
        expect(there.kv.bytesRead).toBeGreaterThanOrEqual(written)
        expect(there.kv.bytesRead).toBeLessThanOrEqual(
          written + 32 * (other.kvCalls.counts.keysRead - 1),
        )
        expect(there.kv.operations.read).toBe(other.kvCalls.counts.get)
      })
    })
  })

  describe('onEvent', () => {
    it('receives every cache event as a typed object, the same events the statistics count', async () => {
      await fresh()
      await cached.find(posts('events'))
      await cached.find(posts('events'))
      await cached.find({ ...posts('events'), context: { kvCache: { bypass: true } } })
      await pair.settle()

      const reads = events.filter((event) => event.type !== 'kv')
      expect(reads).toEqual([
        {
          type: 'miss',
          operation: 'find',
          slug: 'posts',
          key: expect.any(String),
          durationMs: expect.any(Number),
        },
        {
          type: 'store',
          operation: 'find',
          slug: 'posts',
          key: expect.any(String),
          durationMs: expect.any(Number),
          bytes: expect.any(Number),
        },
        {
          type: 'hit',
          tier: 'memory',
          operation: 'find',
          slug: 'posts',
          key: expect.any(String),
          durationMs: expect.any(Number),
        },
        {
          type: 'bypass',
          reason: 'request',
          operation: 'find',
          slug: 'posts',
          key: expect.any(String),
          durationMs: expect.any(Number),
        },
      ])
      const [miss, store, hit] = reads as Extract<CacheEvent, { key: string }>[]
      expect(miss?.key).toMatch(/^[0-9a-z]{4,16}$/) // short, safe to log
      expect(store?.key).toBe(miss?.key)
      expect(hit?.key).toBe(miss?.key)

      const kv = events.filter((event) => event.type === 'kv')
      expect(kv.length).toBe(pair.kvCalls.counts.total)
      for (const event of kv)
        expect(event).toMatchObject({
          ok: true,
          op: expect.stringMatching(/^(read|write)$/),
          durationMs: expect.any(Number),
        })
      expect(kv.filter((event) => event.op === 'write')).toEqual([
        expect.objectContaining({ bytes: expect.any(Number) }),
      ])

      // One source of truth: the statistics are these events, counted.
      const { total, kv: counted } = stats()
      expect(total.misses).toBe(1)
      expect(total.hits.memory).toBe(1)
      expect(total.bypasses).toBe(1)
      expect(total.stores).toBe(1)
      expect(counted.operations.read + counted.operations.write).toBe(kv.length)
    })

    it('receives invalidations with their scope and tokens', async () => {
      await fresh()
      await cached.update({
        collection: 'authors',
        id: pair.data.authors[2] as number,
        depth: 0,
        data: { name: 'Evented' },
      })
      await cached.updateGlobal({ slug: 'header', depth: 0, data: { title: 'Evented' } })
      const invalidations = events.filter((event) => event.type === 'invalidate')
      expect(invalidations).toContainEqual({
        type: 'invalidate',
        scope: 'collection',
        slug: 'authors',
        targets: expect.arrayContaining(['c:authors:list']),
      })
      expect(invalidations).toContainEqual({
        type: 'invalidate',
        scope: 'global',
        slug: 'header',
        targets: ['g:header'],
      })
    })
  })

  describe('debug', () => {
    const debugLines = (spy: { mock: { calls: unknown[][] } }) =>
      spy.mock.calls
        .map(([line]) => line)
        .filter((line): line is string => typeof line === 'string' && line.startsWith('kv-cache'))

    // Fails today: a miss logs two lines, `miss` before the database read and `store` after it
    // (stats.ts debugLine), so 3 reads give 4 lines.
    it('logs one line per read through payload.logger: operation, slug, key hash, outcome, duration', async () => {
      await fresh()
      const info = vi.spyOn(cached.logger, 'info')
      try {
        for (let i = 0; i < 3; i++) await cached.find(posts('debug'))
        const lines = debugLines(info)
        expect(lines).toHaveLength(3)
        const key = (events.find((event) => event.type === 'miss') as { key: string }).key
        for (const line of lines) {
          expect(line).toContain(' find ')
          expect(line).toContain(' posts ')
          expect(line).toContain(key)
          expect(line).toMatch(/\d+ms/)
        }
        expect(lines[0]).toMatch(/miss/)
        expect(lines[1]).toMatch(/hit:memory/)
        expect(lines[2]).toMatch(/hit:memory/)
      } finally {
        info.mockRestore()
      }
    })

    it('logs a bypass with its reason, and an invalidation with its tokens', async () => {
      await fresh()
      const info = vi.spyOn(cached.logger, 'info')
      try {
        await cached.find({ ...posts('debug-bypass'), context: { kvCache: { bypass: true } } })
        await cached.update({
          collection: 'authors',
          id: pair.data.authors[3] as number,
          depth: 0,
          data: { name: 'Logged' },
        })
        const lines = debugLines(info)
        expect(lines.filter((line) => line.includes('bypass'))).toEqual([
          expect.stringMatching(/find posts .*bypass:request/),
        ])
        expect(lines.some((line) => /invalidate .*c:authors:list/.test(line))).toBe(true)
      } finally {
        info.mockRestore()
      }
    })
  })

  // Last: these make KV fail, and the circuit stays open for a moment afterwards.
  describe('KV faults', () => {
    it('counts timeouts (a KV call that hangs) as errors and timeouts', async () => {
      await fresh()
      faults.hang = true
      try {
        const result = await cached.find(posts('hang'))
        expect(result.docs).toHaveLength(2) // the database answered
        await pair.settle()
      } finally {
        faults.hang = false
      }
      const { kv } = stats()
      expect(kv.timeouts).toBeGreaterThan(0)
      expect(kv.timeouts).toBe(pair.kvCalls.counts.total) // every call hung
      expect(kv.errors).toBe(kv.timeouts)
      expect(kv.circuit).toBe('closed')
    })

    it('counts failed KV calls as errors, and reports the circuit opening and closing', async () => {
      await fresh()
      faults.fail = true
      try {
        for (let i = 0; i < CIRCUIT_THRESHOLD + 2; i++) {
          expect((await cached.find(posts(`fail-${i}`))).docs).toHaveLength(2)
        }
        await pair.settle()
        const { kv } = stats()
        // The circuit counts consecutive failures, the hung calls above included, so it may open
        // before this test saw CIRCUIT_THRESHOLD errors; once open, KV is not called at all.
        expect(kv.errors).toBeGreaterThan(0)
        expect(kv.errors).toBe(pair.kvCalls.counts.total) // every call that reached KV failed
        expect(kv.timeouts).toBe(0)
        expect(kv.circuit).toBe('open')
        expect(events).toContainEqual(expect.objectContaining({ type: 'circuit', state: 'open' }))
      } finally {
        faults.fail = false
      }

      await new Promise((resolve) => setTimeout(resolve, CIRCUIT_COOLDOWN_MS + 100))
      await cached.find(posts('recovered'))
      await pair.settle()
      expect(stats().kv.circuit).toBe('closed')
      expect(events).toContainEqual({ type: 'circuit', state: 'closed' })
    })
  })
})
