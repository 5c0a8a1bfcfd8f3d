import type { Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheContext } from '../../src/context.js'
import { getCacheStats } from '../../src/index.js'
import { coldMiss, hedgeDelay } from '../../src/read/hedge.js'
import { startWorld, type World } from './world.js'

/**
 * A miss is never slower than no cache (issue 21, item 6): a KV lookup that is slower than a hot
 * read is probably cold, and the database read starts beside it. Speed targets live in the
 * benchmark (BENCHMARKS.md §5); these tests show the behaviour with a cold read of seconds, so
 * that no machine is slow enough to blur it, and the rule that keeps it correct: a database read
 * that began before its tokens arrived is never stored under tokens newer than it.
 */
const title = (payload: Payload, id: number) =>
  payload.findByID({ collection: 'posts', id, depth: 0 }).then((doc) => doc.title as string)

describe('hedged lookups (sqlite, production KV rules with cold reads of seconds)', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ kv: { hotMs: 1, coldMs: 3_000 } })
  }, 300_000)
  afterAll(() => world?.cleanup())

  it('answers a miss without waiting for a cold KV read, and stores the answer once KV has spoken', async () => {
    const first = await world.isolate({ timeoutMs: 10_000 })
    const query = { collection: 'categories' as const, depth: 0, limit: 3, sort: 'name' }
    const started = Date.now()
    expect(await first.payload.find(query)).toEqual(await world.plain.find(query))
    const elapsed = Date.now() - started
    console.info(`[load] hedge: a miss behind a 3,000 ms cold KV read answered in ${elapsed} ms`)
    expect(elapsed).toBeLessThan(1_500)
    expect(getCacheStats(first.payload).total).toMatchObject({ misses: 1, hedged: 1 })

    // The fill waited for KV's answer (no entry, tokens never written): it is in KV now, and a
    // fresh isolate hits it there (written at this location: a hot read, within the hedge).
    await first.settle()
    const second = await world.isolate({ timeoutMs: 10_000 })
    const reads = second.databaseReads
    expect(await second.payload.find(query)).toEqual(await world.plain.find(query))
    expect(second.databaseReads).toBe(reads)
    expect(getCacheStats(second.payload).total.hits.kv).toBe(1)
  }, 60_000)

  it('keeps what the database answered first in memory at once: the same read right after it is a hit', async () => {
    const isolate = await world.isolate({ timeoutMs: 10_000 })
    // Its tokens come in with a first read (a cold bulk get, 3 s); a second query under the same
    // tokens then finds them fresh, and only its entry's KV lookup is cold.
    await isolate.payload.find({ collection: 'posts', depth: 0, limit: 2, sort: 'slug' })
    await isolate.settle()
    const query = { collection: 'posts' as const, depth: 0, limit: 3, sort: '-slug' }
    expect(await isolate.payload.find(query)).toEqual(await world.plain.find(query))
    const reads = isolate.databaseReads
    // KV is still looking for the entry; the answer is this isolate's already.
    expect(await isolate.payload.find(query)).toEqual(await world.plain.find(query))
    expect(isolate.databaseReads).toBe(reads)
    await isolate.settle()
  }, 60_000)

  it('stores a read made right after this isolate’s own save, though its tokens came late', async () => {
    const id = world.data.published[2] as number
    const isolate = await world.isolate({ timeoutMs: 10_000 })
    await isolate.payload.update({ collection: 'posts', id, data: { title: 'Own save' } })
    // Its tokens are partly this isolate's own (just made) and partly cold in KV: the database
    // answers first, and the answer may be stored under them once they arrive, as every write
    // they record was made before the read began — its own on its own clock.
    expect(await title(isolate.payload, id)).toBe('Own save')
    await isolate.settle()
    const reads = isolate.databaseReads
    expect(await title(isolate.payload, id)).toBe('Own save')
    expect(isolate.databaseReads).toBe(reads)
  }, 60_000)

  it('never stores a database read under tokens that arrived after a write it may have missed', async () => {
    const id = world.data.published[1] as number
    const writer = await world.isolate({ timeoutMs: 10_000 })
    const reader = await world.isolate({ timeoutMs: 10_000 })
    // The reader's token read is cold (3 s): its database read starts at once and answers.
    const before = await title(world.plain, id)
    const read = title(reader.payload, id)
    // Meanwhile another isolate saves the post; its token lands long before the reader's read of
    // it completes, so the reader's tokens will be the new ones.
    await new Promise((resolve) => setTimeout(resolve, 100))
    await writer.payload.update({ collection: 'posts', id, data: { title: 'Saved meanwhile' } })
    await writer.settle()
    expect(await read).toBe(before)
    await reader.settle()

    // Had the reader stored its (older) answer under the new tokens, every isolate would now serve
    // it until its TTL.
    const third = await world.isolate({ timeoutMs: 10_000 })
    expect(await title(third.payload, id)).toBe('Saved meanwhile')
  }, 60_000)
})

describe('the hedge delay', () => {
  const contextWith = (hotReadMs: number | undefined) =>
    ({
      options: { hedgeMs: 'auto' },
      store: { hotReadMs },
      hedging: { coldMissAt: Number.NEGATIVE_INFINITY },
    }) as unknown as CacheContext

  it('is a hot read plus a quarter and 1 ms, between 2 and 12 ms, and 8 ms before 8 reads', () => {
    expect(hedgeDelay(contextWith(undefined))).toBe(8)
    expect(hedgeDelay(contextWith(5))).toBe(8)
    expect(hedgeDelay(contextWith(8))).toBe(11)
    expect(hedgeDelay(contextWith(0))).toBe(2)
    expect(hedgeDelay(contextWith(100))).toBe(12)
  })

  it('is 0 for 100 ms after a cold miss: cold reads come together', () => {
    const ctx = contextWith(5)
    coldMiss(ctx)
    expect(hedgeDelay(ctx)).toBe(0)
    ctx.hedging.coldMissAt -= 100
    expect(hedgeDelay(ctx)).toBe(8)
  })
})
