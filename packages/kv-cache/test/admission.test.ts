import type { Payload, Where } from 'payload'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getCacheStats, resetCacheStats } from '../src/index.js'
import {
  type ControlPair,
  type Isolate,
  startControlPair,
  startIsolate,
} from './suites/controlPair.js'

/**
 * Admission (issue 12, item 4): KV writes only for results likely to be read again, and a daily KV
 * write budget past which results stay in memory. Puts are counted by `instrumentKV`; every
 * answer is compared with the database's.
 */

const BOOT_TIMEOUT = 120_000
const only = (tag: string): Where => ({ slug: { not_equals: `never-${tag}` } })
const posts = (tag: string) => ({
  collection: 'posts' as const,
  depth: 0,
  limit: 2,
  where: only(tag),
})

describe("admission: 'reused' (sqlite)", () => {
  let pair: ControlPair
  let other: Isolate

  beforeAll(async () => {
    pair = await startControlPair('sqlite', { options: { admission: 'reused', maxStaleMs: 200 } })
    other = await startIsolate(pair, { admission: 'reused', maxStaleMs: 200 })
  }, BOOT_TIMEOUT)
  afterAll(async () => {
    await other?.cleanup()
    await pair?.cleanup()
  })

  const fresh = async () => {
    await pair.settle()
    await other.settle()
    resetCacheStats(pair.cached)
    resetCacheStats(other.payload)
    pair.kvCalls.reset()
    other.kvCalls.reset()
    pair.db.reset()
  }

  it('a query asked for once costs no KV write; the memory tier still serves it', async () => {
    await fresh()
    const first = await pair.cached.find(posts('once'))
    await pair.settle()
    expect(pair.kvCalls.counts.put).toBe(0)
    expect(getCacheStats(pair.cached).kvWrites.skipped).toEqual({
      admission: 1,
      budget: 0,
      contention: 0,
    })
    expect(await pair.cached.find(posts('once'))).toEqual(first)
    expect(pair.db.count('find', 'posts')).toBe(1)
  })

  it('asked for a second time, it is written to KV once, and another isolate hits it there', async () => {
    await fresh()
    const expected = await pair.plain.find(posts('twice'))
    for (let i = 0; i < 4; i++) expect(await pair.cached.find(posts('twice'))).toEqual(expected)
    await pair.settle()
    expect(pair.kvCalls.counts.put).toBe(1)
    expect(pair.db.count('find', 'posts')).toBe(1)

    expect(await other.payload.find(posts('twice'))).toEqual(expected)
    expect(getCacheStats(other.payload).reads.posts?.find?.hits.kv).toBe(1)
    await other.settle()
    expect(other.kvCalls.counts.put).toBe(0) // a KV hit is not written back
  })

  it('never skips an invalidation; a query asked for before a write is written at its first miss after it', async () => {
    await fresh()
    const id = pair.data.published[0] as number
    const read = (payload: Payload) => payload.findByID({ collection: 'posts', id, depth: 0 })
    await read(pair.cached)
    await read(pair.cached) // reused: written to KV
    await read(other.payload) // a KV hit there
    await pair.settle()
    pair.kvCalls.reset()

    await pair.cached.update({ collection: 'posts', id, depth: 0, data: { title: 'Admitted' } })
    await pair.settle()
    const tokenPuts = pair.kvCalls.counts.put
    expect(tokenPuts).toBeGreaterThanOrEqual(2) // list and id tokens, as without admission

    pair.kvCalls.reset()
    expect((await read(pair.cached)).title).toBe('Admitted')
    await pair.settle()
    expect(pair.kvCalls.counts.put).toBe(1) // already known to be reused: stored at once

    await new Promise((resolve) => setTimeout(resolve, 300)) // past the other isolate's maxStaleMs
    expect((await read(other.payload)).title).toBe('Admitted')
  })
})

describe('kvWriteBudget (sqlite)', () => {
  const BUDGET = 3
  let pair: ControlPair
  let other: Isolate

  beforeAll(async () => {
    pair = await startControlPair('sqlite', { options: { kvWriteBudget: BUDGET, maxStaleMs: 200 } })
    other = await startIsolate(pair, { maxStaleMs: 200 })
  }, BOOT_TIMEOUT)
  afterAll(async () => {
    vi.useRealTimers()
    await other?.cleanup()
    await pair?.cleanup()
  })

  it('past the budget, results stay in memory, says so once, and invalidations are still written', async () => {
    const warn = vi.spyOn(pair.cached.logger, 'warn')
    try {
      for (let i = 0; i < BUDGET + 3; i++) {
        await pair.cached.find(posts(`budget-${i}`))
        await pair.settle()
      }
      expect(pair.kvCalls.counts.put).toBe(BUDGET)
      const stats = getCacheStats(pair.cached)
      expect(stats.kvWrites).toEqual({
        skipped: { admission: 0, budget: 3, contention: 0 },
        budget: {
          limit: BUDGET,
          used: BUDGET,
          exhausted: true,
          reason: 'budget',
          until: new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000).toISOString(),
        },
      })
      // Memory still serves what KV did not get.
      pair.db.reset()
      await pair.cached.find(posts(`budget-${BUDGET + 1}`))
      expect(pair.db.count('find', 'posts')).toBe(0)

      // A write past the budget: its tokens are written all the same, and another isolate sees it.
      const id = pair.data.published[1] as number
      const read = (payload: Payload) => payload.findByID({ collection: 'posts', id, depth: 0 })
      await read(other.payload)
      pair.kvCalls.reset()
      await pair.cached.update({
        collection: 'posts',
        id,
        depth: 0,
        data: { title: 'Over budget' },
      })
      await pair.settle()
      expect(pair.kvCalls.counts.put).toBeGreaterThanOrEqual(2)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect((await read(other.payload)).title).toBe('Over budget')

      const said = warn.mock.calls.filter(([line]) => String(line).includes('kvWriteBudget'))
      expect(said).toHaveLength(1)
      expect(String(said[0]?.[0])).toMatch(/memory only until the next UTC day/)
    } finally {
      warn.mockRestore()
    }
  })

  it('starts again on the next UTC day', async () => {
    const now = Date.now()
    vi.useFakeTimers({ toFake: ['Date'], now })
    try {
      vi.setSystemTime(Math.ceil(now / 86_400_000) * 86_400_000 + 1_000)
      pair.kvCalls.reset()
      await pair.cached.find(posts('next-day'))
      await pair.settle()
      expect(pair.kvCalls.counts.put).toBe(1)
      expect(getCacheStats(pair.cached).kvWrites.budget).toEqual({
        limit: BUDGET,
        used: 1,
        exhausted: false,
      })
    } finally {
      vi.useRealTimers()
    }
  })
})
