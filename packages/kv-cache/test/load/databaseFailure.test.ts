import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import type { Payload } from 'payload'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { seed } from 'payload-kv-cache-test-fixtures/seed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, withCacheControl, withKVCache } from '../../src/index.js'
import type { CacheEvent, KVCacheOptions } from '../../src/types.js'
import { type D1FailurePlan, failingD1 } from '../fixtures/failingD1.js'
import { productionKV } from '../fixtures/productionKV.js'

/**
 * Pages served when the database fails (issue 21, item 7): `staleIfError`. The real D1 adapter
 * runs on a D1 binding that fails as D1 fails (`failingD1`: the free plan's daily row limits, its
 * 50 queries an invocation, overload, a lost connection, a timeout), and the cache answers with
 * an entry read from the database at most `staleIfError` seconds ago — never for a logged-in
 * user, a refresh, a request that says no, a write's own reads, across this isolate's own write,
 * nor past the window; and never for a query error.
 */
type D1Isolate = {
  payload: Payload
  plan: D1FailurePlan
  events: CacheEvent[]
  cleanup(): Promise<void>
}

describe('staleIfError on D1 (a D1 binding that fails as D1 does)', () => {
  let plain: TestPayload
  const kv = productionKV({ hotMs: 0, coldMs: 0 })
  let posts: number[]
  const isolates: D1Isolate[] = []

  const isolate = async (options: KVCacheOptions = {}): Promise<D1Isolate> => {
    const plan: D1FailurePlan = {}
    const events: CacheEvent[] = []
    const binding = plain.database.d1?.binding
    if (!binding) throw new Error('a D1 database has a binding')
    const started = await startPayload({
      kind: 'd1',
      database: plain.database,
      kv: kv.kv as never,
      wrap: (_factory, cache) =>
        withKVCache(sqliteD1Adapter({ binding: failingD1(binding, plan), push: false }), cache, {
          ...options,
          onEvent: (event) => events.push(event),
        }),
    })
    const one = { payload: started.payload, plan, events, cleanup: started.cleanup }
    isolates.push(one)
    return one
  }

  beforeAll(async () => {
    plain = await startPayload({ kind: 'd1', kv: kv.kv as never })
    posts = (await seed(plain.payload, { posts: 4 })).published as number[]
  }, 300_000)
  afterAll(async () => {
    for (const one of isolates.splice(0)) await one.cleanup()
    await plain?.cleanup()
  })

  const title = (payload: Payload, id: number) =>
    payload.findByID({ collection: 'posts', id, depth: 0 }).then((doc) => doc.title as string)
  const list = (payload: Payload) =>
    payload.find({ collection: 'posts', depth: 0, limit: 10, sort: 'slug', overrideAccess: false })
  const served = (one: D1Isolate) =>
    one.events.filter((e) => e.type === 'stale-if-error' && e.served)
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  /** The error D1 threw, under drizzle's `Failed query: …` wrapping, as a user's code sees it. */
  const d1Error = async (promise: Promise<unknown>): Promise<string> => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    const messages: string[] = []
    for (
      let e = error as { message?: string; cause?: unknown } | undefined;
      e;
      e = e.cause as never
    ) {
      messages.push(String(e.message))
    }
    return messages.join(' <- ')
  }

  it.each([
    ['the daily row read limit', 'row-read-limit'],
    ['50 queries an invocation', 'query-limit'],
    ['an overload', 'overloaded'],
    ['a lost connection', 'network'],
    ['a timeout', 'timeout'],
  ] as const)('answers with a recent entry when D1 fails with %s, and says so', async (_, fail) => {
    const one = await isolate({ ttl: 1 })
    const expected = {
      title: await title(one.payload, posts[0] as number),
      list: await list(one.payload),
    }
    await sleep(1_200) // past the TTL: the next reads must ask D1
    one.plan.fail = fail
    expect(await title(one.payload, posts[0] as number)).toBe(expected.title)
    expect(await list(one.payload)).toEqual(expected.list)
    expect(served(one)).toHaveLength(2)
    expect(getCacheStats(one.payload).staleIfError.served).toBe(2)
    one.plan.fail = undefined
  })

  it('throws a query error as it is', async () => {
    const one = await isolate({ ttl: 1 })
    await list(one.payload)
    await sleep(1_200)
    one.plan.fail = 'syntax'
    expect(await d1Error(list(one.payload))).toMatch(/syntax error/)
    expect(served(one)).toHaveLength(0)
  })

  it('never answers a logged-in user, a refresh, a request that says no, or a write’s own reads with an older entry', async () => {
    const one = await isolate({ ttl: 1, authenticatedReads: 'cache' })
    const { docs } = await plain.payload.find({ collection: 'users', depth: 0, limit: 1 })
    const user = { ...docs[0], collection: 'users' } as never
    const asUser = () =>
      one.payload.find({ collection: 'posts', depth: 0, limit: 10, user, overrideAccess: false })
    await asUser()
    await list(one.payload)
    await sleep(1_200)
    one.plan.fail = 'row-read-limit'
    const limit = /daily row read limit/
    expect(await d1Error(asUser())).toMatch(limit)
    const refresh = withCacheControl({ mode: 'refresh' }, () => list(one.payload))
    expect(await d1Error(refresh)).toMatch(limit)
    const no = withCacheControl({ staleIfError: false }, () => list(one.payload))
    expect(await d1Error(no)).toMatch(limit)
    // An update reads the document before writing it: never from an older entry.
    const id = posts[1] as number
    const update = one.payload.update({ collection: 'posts', id, data: { title: 'Blind' } })
    expect(await d1Error(update)).toMatch(limit)
    expect(served(one)).toHaveLength(0)
    one.plan.fail = undefined
  })

  it('never answers across a write this isolate made; another isolate may, within the window', async () => {
    const writer = await isolate({ invalidationCheckMs: 200 })
    const other = await isolate({ invalidationCheckMs: 200 })
    const id = posts[2] as number
    const before = await title(writer.payload, id)
    expect(await title(other.payload, id)).toBe(before)
    await writer.payload.update({ collection: 'posts', id, data: { title: 'Written here' } })
    await sleep(1_300) // the token has landed and the other isolate's check interval passed
    writer.plan.fail = 'network'
    other.plan.fail = 'network'
    expect(await d1Error(title(writer.payload, id))).toMatch(/Network connection lost/)
    const refused = writer.events.filter((e) => e.type === 'stale-if-error' && !e.served)
    expect(refused.map((e) => (e as { reason?: string }).reason)).toContain('own-write')
    // The other isolate's entry is from before the write, read less than a minute ago: it answers.
    expect(await title(other.payload, id)).toBe(before)
    expect(served(other)).toHaveLength(1)
    writer.plan.fail = undefined
    other.plan.fail = undefined
  })

  it('serves nothing older than the window', async () => {
    const one = await isolate({ ttl: 1, staleIfError: 1 })
    await list(one.payload)
    await sleep(2_300) // read 2.3 s ago, expired 1.3 s ago: past a 1 s window both ways
    one.plan.fail = 'row-read-limit'
    expect(await d1Error(list(one.payload))).toMatch(/daily row read limit/)
    expect(served(one)).toHaveLength(0)
    const refused = one.events.filter((e) => e.type === 'stale-if-error' && !e.served)
    expect(refused.map((e) => (e as { reason?: string }).reason)).toEqual(['too-old'])
    one.plan.fail = undefined
  })
})
