import type { Payload } from 'payload'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { getCacheStats } from '../../src/index.js'
import { tokenKey } from '../../src/storage/storageKeys.js'
import { collectionList, documentToken } from '../../src/storage/tokenNames.js'
import { newTokenValue } from '../../src/storage/tokenValues.js'
import { homePage, type Isolate, startWorld, type World } from './world.js'

/**
 * When KV misbehaves (issue 21, items 2, 7 and 8): an outage costs no request and no write, the
 * circuit recovers promptly and honestly, reads that skip the cache are merged, KV's daily quota
 * is a budget spent until 00:00 UTC, and an invalidation that cannot land stops trying within its
 * bound and lands once KV is back.
 */
const CHECK_MS = 300
/** The default `circuitCooldownMs`: the longest KV is skipped before a probe. */
const COOLDOWN_MS = 5_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const title = (payload: Payload, id: number) =>
  payload.findByID({ collection: 'posts', id, depth: 0 }).then((doc) => doc.title as string)

describe('a KV outage (sqlite, production KV rules)', () => {
  let world: World
  const started: Isolate[] = []
  const isolate = async (options: Parameters<World['isolate']>[0] = {}) => {
    const one = await world.isolate(options)
    started.push(one)
    return one
  }

  beforeAll(async () => {
    world = await startWorld({ kv: { hotMs: 0, coldMs: 0 } })
  }, 300_000)
  afterEach(async () => {
    world.kv.outage = undefined
    for (const one of started.splice(0)) await one.destroy()
  })
  afterAll(() => world?.cleanup())

  it('answers like the database, merges identical reads, and is back to hits within circuitCooldownMs of KV’s recovery', async () => {
    const one = await isolate({ invalidationCheckMs: CHECK_MS })
    const expected = await homePage(world.plain)
    expect(await homePage(one.payload)).toEqual(expected)
    await one.settle()

    world.kv.outage = 'fail'
    // Past twice the check interval KV must say which invalidations are current: it cannot.
    await sleep(CHECK_MS * 2 + 50)
    for (let i = 0; i < 3; i++) expect(await homePage(one.payload)).toEqual(expected)
    expect(getCacheStats(one.payload).kv.circuit).not.toBe('closed')

    // Ten identical reads at once while the cache is skipped: one database read between them.
    const reads = one.databaseReads
    const query = { collection: 'categories' as const, depth: 0, limit: 5, sort: 'name' }
    const answers = await Promise.all(Array.from({ length: 10 }, () => one.payload.find(query)))
    expect(one.databaseReads - reads).toBe(1)
    for (const answer of answers) expect(answer).toEqual(await world.plain.find(query))

    world.kv.outage = undefined
    const recovered = Date.now()
    let back = Number.POSITIVE_INFINITY
    while (Date.now() - recovered < COOLDOWN_MS * 3) {
      const before = one.databaseReads
      expect(await homePage(one.payload)).toEqual(expected)
      if (one.databaseReads === before) {
        back = Date.now() - recovered
        break
      }
      await sleep(100)
    }
    console.info(`[load] outage: hits back ${back} ms after KV recovered`)
    expect(back).toBeLessThanOrEqual(COOLDOWN_MS + CHECK_MS + 1_000)
    expect(getCacheStats(one.payload).kv.circuit).toBe('closed')
    const opened = one.of('circuit').filter((event) => event.state === 'open')
    expect(opened.length).toBeGreaterThan(0)
  }, 60_000)

  it('does not close the circuit on the success of a call that started before it opened', async () => {
    world.kv.outage = undefined
    const slow = await startWorld({ kv: { hotMs: 400, coldMs: 400 }, posts: 2 })
    try {
      const one = await slow.isolate({ circuitThreshold: 1 })
      // A read whose KV call is under way (it will succeed in 400 ms) ...
      const first = one.payload.find({ collection: 'pages', depth: 0 })
      await sleep(100)
      // ... then KV fails another call: the circuit opens.
      slow.kv.outage = 'fail'
      await one.payload.find({ collection: 'categories', depth: 0 }).catch(() => undefined)
      slow.kv.outage = undefined
      await first
      await sleep(50)
      // The first call's success came from before the circuit opened: it stays open until a probe.
      expect(one.of('circuit').map((event) => event.state)).toEqual(['open'])
      // The probe (after 1 s) finds KV well, and closes it.
      await sleep(1_100)
      await one.payload.find({ collection: 'authors', depth: 0 })
      await sleep(500) // the database may answer first: the probe is KV's call, 400 ms
      expect(one.of('circuit').map((event) => event.state)).toEqual(['open', 'half-open', 'closed'])
    } finally {
      await slow.cleanup()
    }
  }, 60_000)

  it('a 429 on every write opens no circuit', async () => {
    const one = await isolate()
    const id = world.data.published[3] as number
    // Two saves within KV's second: the second put of each token is refused (and retried later).
    for (let i = 0; i < 2; i++) {
      await one.payload.update({ collection: 'posts', id, data: { title: `Twice ${i}` } })
      // Another isolate's write of the same token, a moment later.
      await world.kv.kv
        .put(tokenKey('payload', collectionList('posts')), newTokenValue())
        .catch(() => undefined)
    }
    await one.settle()
    expect(getCacheStats(one.payload).kv.errors).toBe(0)
    expect(one.of('circuit')).toHaveLength(0)
    expect(getCacheStats(one.payload).kv.rateLimited).toBeGreaterThan(0)
  }, 60_000)

  it('gives up an invalidation it cannot write within 20 s, keeps reading its own write, and writes it once KV answers', async () => {
    const writer = await isolate({ invalidationCheckMs: CHECK_MS })
    const reader = await isolate({ invalidationCheckMs: CHECK_MS })
    const id = world.data.published[2] as number
    await title(reader.payload, id)
    await sleep(1_200) // past earlier writes' second

    world.kv.outage = 'fail'
    const saved = Date.now()
    await writer.payload.update({ collection: 'posts', id, data: { title: 'During the outage' } })
    expect(await title(writer.payload, id)).toBe('During the outage')
    await Promise.race([writer.settle(), sleep(30_000)])
    const gaveUpAfter = Date.now() - saved
    const token = tokenKey('payload', documentToken('posts', String(id)))
    const attempts = world.kv.writes.filter((write) => write.key === token)
    console.info(
      `[load] outage: token writes gave up after ${gaveUpAfter} ms (${attempts.length} attempts reached KV)`,
    )
    expect(gaveUpAfter).toBeLessThanOrEqual(22_000)
    const unwritten = writer.of('token-unwritten').map((event) => event.token)
    expect(unwritten).toContain(documentToken('posts', String(id)))
    expect(await title(writer.payload, id)).toBe('During the outage')

    // KV comes back; the next call through the circuit finds it, and the token is written.
    world.kv.outage = undefined
    await sleep(COOLDOWN_MS + 100)
    await writer.payload.find({ collection: 'authors', depth: 0 })
    await writer.settle()
    expect(world.kv.peek(token)).toBeDefined()
    await sleep(CHECK_MS + 50)
    expect(await title(reader.payload, id)).toBe('During the outage')
  }, 90_000)
})

describe('KV’s daily write quota (sqlite, production KV rules)', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ kv: { hotMs: 0, coldMs: 0, dailyLimits: { write: 6 } } })
  }, 300_000)
  afterAll(async () => {
    vi.useRealTimers()
    await world?.cleanup()
  })

  it('is a budget spent until 00:00 UTC: said once, no retry storm, fills resume the next day', async () => {
    // A clock that runs, starting a minute before midnight UTC.
    const midnight = Math.ceil(Date.now() / 86_400_000) * 86_400_000
    vi.useFakeTimers({ toFake: ['Date'], now: midnight - 60_000, shouldAdvanceTime: true })
    const one = await world.isolate()
    const writesBefore = world.kv.counts.write
    for (let i = 0; i < 4; i++) {
      await one.payload.find({ collection: 'posts', depth: 0, limit: i + 1 })
      await one.payload.find({ collection: 'categories', depth: 0, limit: i + 1 })
    }
    const id = world.data.published[0] as number
    await one.payload.update({ collection: 'posts', id, data: { title: 'Over quota' } })
    await one.settle()
    const quota = one.of('kv-budget').filter((event) => event.reason === 'quota')
    expect(quota).toHaveLength(1)
    expect(quota[0]?.until).toBe(new Date(midnight).toISOString())
    expect(getCacheStats(one.payload).kvWrites.budget).toMatchObject({
      exhausted: true,
      reason: 'quota',
      until: new Date(midnight).toISOString(),
    })
    // KV was asked once past the quota, not again: no retry storm, and the circuit never opened.
    expect(world.kv.counts.write - writesBefore).toBe(7)
    expect(one.of('circuit')).toHaveLength(0)
    expect(await title(one.payload, id)).toBe('Over quota')

    // The next UTC day: KV takes writes again.
    vi.setSystemTime(midnight + 1_000)
    await one.payload.find({ collection: 'pages', depth: 0 })
    await one.settle()
    expect(world.kv.counts.write - writesBefore).toBeGreaterThan(7)
    expect(getCacheStats(one.payload).kvWrites.budget).toBeUndefined()
    vi.useRealTimers()
    await one.destroy()
  }, 60_000)
})
