import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats } from '../../src/index.js'
import { homePage, type Isolate, startWorld, type World } from './world.js'

/**
 * Contention is not an outage (issue 21, item 1). Isolates that miss the same popular query at
 * once — after a save of the home page's collection, after a deploy — fill the same KV key, and
 * production KV refuses all but one write a second per key with a 429. Those refusals must never
 * open the circuit, the entry must be left to the write that won, and every isolate must be back
 * to hits once the storm is over.
 *
 * KV here is `productionKV` (one write a second per key, answered `KV PUT failed: 429 Too Many
 * Requests`), with no latency: the subject is contention, not speed.
 */
const CHECK_MS = 200
const ISOLATES = 50

const circuitsOpened = (isolates: Isolate[]) =>
  isolates.reduce(
    (n, isolate) => n + isolate.of('circuit').filter((event) => event.state === 'open').length,
    0,
  )

describe('a storm of isolates on one popular page (sqlite, production KV rules)', () => {
  let world: World
  const isolates: Isolate[] = []

  beforeAll(async () => {
    world = await startWorld({ kv: { hotMs: 0, coldMs: 0 } })
  }, 300_000)
  afterAll(() => world?.cleanup())

  it('two fresh isolates rendering one 8-read page open no circuit, and hit on the next render', async () => {
    const pair = [await world.isolate(), await world.isolate()]
    const expected = await homePage(world.plain)
    const first = await Promise.all(pair.map((isolate) => homePage(isolate.payload)))
    for (const answer of first) expect(answer).toEqual(expected)
    await Promise.all(pair.map((isolate) => isolate.settle()))

    expect(circuitsOpened(pair)).toBe(0)
    for (const isolate of pair) {
      expect(getCacheStats(isolate.payload).kv.errors).toBe(0)
      expect(getCacheStats(isolate.payload).kv.circuit).toBe('closed')
    }
    // Their fills collided on every key (one write a second per key): the losers' were refused.
    expect(world.kv.counts.refused429).toBeGreaterThan(0)

    // Back to hits at once: no read reaches the database.
    const before = pair.map((isolate) => isolate.databaseReads)
    for (const isolate of pair) expect(await homePage(isolate.payload)).toEqual(expected)
    expect(pair.map((isolate) => isolate.databaseReads)).toEqual(before)

    // The entries the winners wrote serve a third, fresh isolate from KV.
    const third = await world.isolate()
    expect(await homePage(third.payload)).toEqual(expected)
    expect(getCacheStats(third.payload).total.hits.kv).toBeGreaterThan(0)
    for (const isolate of [...pair, third]) await isolate.destroy()
  })

  it(`${ISOLATES} isolates and 3 saves: no circuit opens, no stale answer, and all are back to hits`, async () => {
    for (let i = 0; i < ISOLATES; i++) {
      isolates.push(await world.isolate({ invalidationCheckMs: CHECK_MS }))
    }
    const writer = isolates[0] as Isolate
    const post = world.data.published[0] as number
    let stale = 0
    const storm = async () => {
      const expected = await homePage(world.plain)
      const answers = await Promise.all(isolates.map((isolate) => homePage(isolate.payload)))
      for (const answer of answers) {
        if (JSON.stringify(answer) !== JSON.stringify(expected)) stale++
      }
      await Promise.all(isolates.map((isolate) => isolate.settle()))
    }
    await storm()
    for (let save = 1; save <= 3; save++) {
      await writer.payload.update({
        collection: 'posts',
        id: post,
        data: { title: `Saved ${save}` },
        depth: 0,
      })
      // The bound: the token write has landed, and every isolate's check interval has passed.
      await writer.settle()
      await new Promise((resolve) => setTimeout(resolve, CHECK_MS + 50))
      await storm()
    }
    expect(stale).toBe(0)
    expect(circuitsOpened(isolates)).toBe(0)
    const errors = isolates.reduce((n, i) => n + getCacheStats(i.payload).kv.errors, 0)
    expect(errors).toBe(0)
    expect(world.kv.counts.refused429).toBeGreaterThan(0)

    // The storm is over: the next render of every isolate is answered without the database.
    const before = isolates.map((isolate) => isolate.databaseReads)
    const expected = await homePage(world.plain)
    for (const isolate of isolates) expect(await homePage(isolate.payload)).toEqual(expected)
    expect(isolates.map((isolate) => isolate.databaseReads)).toEqual(before)
    await Promise.all(isolates.map((isolate) => isolate.settle()))
  })

  it('an isolate never collides with its own fills', async () => {
    const alone = await world.isolate({ invalidationCheckMs: CHECK_MS })
    // Past KV's one-second window of the storm's last writes: any refusal now is this isolate's.
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    const post = world.data.published[1] as number
    // Saves and reads in quick succession: each save makes the page's queries miss, and the
    // misses fill keys this isolate wrote a moment before.
    for (let i = 0; i < 10; i++) {
      await homePage(alone.payload)
      await alone.payload.update({ collection: 'posts', id: post, data: { title: `Own ${i}` } })
      await homePage(alone.payload)
    }
    await alone.settle()
    const refused = alone.of('kv').filter((event) => event.op === 'write' && !event.ok)
    expect(refused).toHaveLength(0)
    expect(await homePage(alone.payload)).toEqual(await homePage(world.plain))
    await alone.destroy()
  })
})
