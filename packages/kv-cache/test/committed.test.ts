import type { Plugin } from 'payload'
import { type DatabaseKind, hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CacheEvent, flush, onCacheEvent, withKVCache } from '../src/index.js'

type Committed = Extract<CacheEvent, { type: 'committed' }>

/**
 * The `committed` event: what a page cache revalidates from. It comes after the write is
 * committed — after the commit inside a transaction (PostgreSQL: on by default), never on rollback
 * — and says what was made stale in Payload's terms.
 */
const committedSuite = (kind: DatabaseKind) => {
  describe(`the committed event on ${kind}`, () => {
    let started: TestPayload
    let data: SeedResult
    const events: Committed[] = []
    /** What `afterChange` saw of the events: the write is not committed yet when hooks run. */
    const seenInHooks: number[] = []
    const hook = { fail: false }

    const watchHooks: Plugin = (config) => ({
      ...config,
      collections: config.collections?.map((collection) =>
        collection.slug !== 'posts'
          ? collection
          : {
              ...collection,
              hooks: {
                ...collection.hooks,
                afterChange: [
                  ...(collection.hooks?.afterChange ?? []),
                  ({ doc }) => {
                    seenInHooks.push(events.length)
                    if (hook.fail) throw new Error('afterChange failed: the write rolls back')
                    return doc
                  },
                ],
              },
            },
      ),
    })

    beforeAll(async () => {
      started = await startPayload({
        kind,
        plugins: [watchHooks],
        wrap: (factory, kv) => withKVCache(factory, kv, steady()),
      })
      data = await seed(started.payload, { posts: 3 })
      onCacheEvent(started.payload, (event) => {
        if (event.type === 'committed') events.push(event)
      })
    }, 120_000)
    afterAll(() => started?.cleanup())

    it('follows a committed update, after its hooks ran, naming the document and its lists', async () => {
      const id = data.posts[0] as number | string
      events.length = 0
      seenInHooks.length = 0
      await started.payload.update({ collection: 'posts', id, data: { title: 'Committed' } })
      // In a transaction, hooks run before the commit: nothing is committed when they do. Without
      // one (sqlite here, D1), each statement commits as it returns.
      if (kind === 'postgres') expect(seenInHooks).toEqual([0])
      expect(events.length).toBeGreaterThanOrEqual(1)
      const posts = events.map((event) => event.invalidated.collections.posts).filter(Boolean)
      expect(posts.some((each) => each?.lists)).toBe(true)
      expect(
        posts.some((each) => Array.isArray(each?.documents) && each.documents.includes(String(id))),
      ).toBe(true)
      if (kind === 'postgres') {
        // One transaction: one event for all its writes (the document and its version).
        expect(events).toHaveLength(1)
      }
    })

    it('never follows a write that rolled back', async () => {
      if (kind !== 'postgres') return // sqlite and D1 have no transactions: each write commits
      const id = data.posts[1] as number | string
      events.length = 0
      hook.fail = true
      try {
        await expect(
          started.payload.update({ collection: 'posts', id, data: { title: 'Never' } }),
        ).rejects.toThrow(/rolls back/)
      } finally {
        hook.fail = false
      }
      expect(events).toEqual([])
    })

    it('names the collections a delete reaches through references, and everything for a flush', async () => {
      events.length = 0
      await started.payload.delete({
        collection: 'categories',
        id: data.categories.at(-1) as never,
      })
      const reached = events.flatMap((event) => Object.keys(event.invalidated.collections))
      expect(reached).toEqual(expect.arrayContaining(['categories', 'posts']))
      events.length = 0
      await flush(started.payload)
      expect(events).toEqual([
        { type: 'committed', invalidated: { all: true, collections: {}, globals: [] } },
      ])
    })
  })
}

committedSuite('sqlite')
describe.skipIf(!hasPostgres())('PostgreSQL (DATABASE_URL)', () => {
  committedSuite('postgres')
})
