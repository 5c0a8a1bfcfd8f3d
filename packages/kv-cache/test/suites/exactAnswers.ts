import type { DatabaseAdapterObj, Payload, Where } from 'payload'
import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import { startPair, type TestPair } from 'payload-kv-cache-test-fixtures/payload'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CacheEvent, flush, getCacheStats, withKVCache } from '../../src/index.js'

/**
 * Queries JSON cannot tell apart, which the database answers differently (seen on sqlite, D1 or
 * PostgreSQL, each pair on at least one): the odd spelling a careless caller writes
 * (`Number(param)`, `{ equals: params.x }` with the parameter absent), and what JSON makes of it.
 * Functions, because Payload mutates a `where` in place.
 */
const COLLAPSING: Array<[string, () => Where, () => Where]> = [
  [
    'Infinity and null',
    () => ({ views: { less_than: Number.POSITIVE_INFINITY } }),
    () => ({ views: { less_than: null } }),
  ],
  [
    '-Infinity and null',
    () => ({ views: { greater_than: Number.NEGATIVE_INFINITY } }),
    () => ({ views: { greater_than: null } }),
  ],
  [
    'NaN and null',
    () => ({ views: { less_than_equal: Number.NaN } }),
    () => ({ views: { less_than_equal: null } }),
  ],
  [
    'an undefined member and a missing one',
    () => ({ slug: { exists: undefined } }),
    () => ({ slug: {} }),
  ],
  [
    'undefined and null in an array',
    () => ({ views: { not_in: [undefined] } }),
    () => ({ views: { not_in: [null] } }),
  ],
  [
    'a bigint and the string it was keyed as',
    () => ({ views: { greater_than: 5n } }) as unknown as Where,
    () => ({ views: { greater_than: '5n' } }),
  ],
  [
    'an object with toJSON and what it returns',
    () => ({ views: { greater_than: { toJSON: () => 5 } } }) as unknown as Where,
    () => ({ views: { greater_than: 5 } }),
  ],
]

/**
 * The adapter with a `Date` in every `findGlobal` result: what an adapter that returns dates as
 * objects answers (Payload's drizzle adapters return strings). A double for the one case no
 * adapter here produces.
 */
const withDatedGlobals = (factory: DatabaseAdapterObj): DatabaseAdapterObj => ({
  ...factory,
  init: (args) => {
    const adapter = factory.init(args)
    const findGlobal = adapter.findGlobal
    adapter.findGlobal = (async (...call: Parameters<typeof findGlobal>) => ({
      ...(await findGlobal.apply(adapter, call)),
      checkedAt: new Date(0),
    })) as typeof findGlobal
    return adapter
  },
})

/** A result, or the error it threw: an odd query may fail in the database, the same either way. */
const outcome = (run: () => Promise<unknown>) =>
  run().then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message.replace(/[0-9a-f_]{36}/g, 'alias') }),
  )

/**
 * The cache answers exactly what the database answers, for queries JSON would merge and for
 * results JSON would alter. A plain and a cached Payload on one database; each read is compared.
 */
export const exactAnswers = (kind: DatabaseKind) => {
  describe(`exact answers on ${kind}`, () => {
    let pair: TestPair
    let data: SeedResult
    const events: CacheEvent[] = []

    beforeAll(async () => {
      pair = await startPair({
        kind,
        wrap: (factory, kv) =>
          withKVCache(
            withDatedGlobals(factory),
            kv,
            steady({ onEvent: (event: CacheEvent) => events.push(event) }),
          ),
      })
      data = await seed(pair.plain, { posts: 12 })
    }, 120_000)
    afterAll(() => pair?.cleanup())

    const find = (payload: Payload, where: Where) =>
      outcome(() => payload.find({ collection: 'posts', where, depth: 0, limit: 0, sort: 'id' }))

    for (const [name, odd, honest] of COLLAPSING) {
      it(`${name}: each answered as the database answers, whichever is asked first`, async () => {
        for (const order of [
          [odd, honest],
          [honest, odd],
        ]) {
          await flush(pair.cached)
          // Each twice: the first may fill an entry, the second may be served from one.
          for (const where of [...order, ...order]) {
            expect(await find(pair.cached, where()), `${name}: ${String(where)}`).toEqual(
              await find(pair.plain, where()),
            )
          }
        }
      })
    }

    it('a join the reader may not read: its undefined member is kept on every hit', async () => {
      // Anonymous readers may not read comments: drizzle returns `comments: undefined`.
      const read = (payload: Payload) =>
        payload.find({ collection: 'posts', depth: 0, sort: 'id', overrideAccess: false })
      const expected = await read(pair.plain)
      expect(Object.keys(expected.docs[0] ?? {})).toContain('comments')
      await flush(pair.cached)
      events.length = 0
      for (let i = 0; i < 3; i++) expect(await read(pair.cached)).toStrictEqual(expected)
      expect(events.filter((event) => event.type === 'hit')).toHaveLength(2)
    })

    it('a number field holding Infinity is answered as Infinity by every read and hit', async () => {
      const id = data.published[0] as number | string
      await pair.plain.update({
        collection: 'posts',
        id,
        data: { views: Number.POSITIVE_INFINITY },
      })
      await flush(pair.cached)
      events.length = 0
      for (let i = 0; i < 2; i++) {
        const doc = await pair.cached.findByID({ collection: 'posts', id, depth: 0 })
        expect(doc.views).toBe(Number.POSITIVE_INFINITY)
        const page = await pair.cached.find({
          collection: 'posts',
          where: { id: { equals: id } },
          depth: 0,
        })
        expect(page.docs[0]?.views).toBe(Number.POSITIVE_INFINITY)
      }
      expect(events.filter((event) => event.type === 'hit')).toHaveLength(2)
      await pair.plain.update({ collection: 'posts', id, data: { views: 1 } })
    })

    it('a result that cannot come back exactly is answered from the database, never stored', async () => {
      // This suite's adapter adds a Date to every findGlobal result, as an adapter that returns
      // dates as objects would (JSON would give back a string).
      await flush(pair.cached)
      events.length = 0
      for (let i = 0; i < 2; i++) {
        const header = await pair.cached.findGlobal({ slug: 'header', depth: 0 })
        expect((header as { checkedAt?: unknown }).checkedAt).toBeInstanceOf(Date)
      }
      const reads = events.filter((event) => 'operation' in event && event.slug === 'header')
      expect(reads.map((event) => event.type)).toEqual([
        'miss',
        'skip-round-trip',
        'miss',
        'skip-round-trip',
      ])
      expect(getCacheStats(pair.cached).reads.header?.findGlobal?.skippedRoundTrip).toBe(2)
    })
  })
}
