import type { Payload, Plugin } from 'payload'
import { type CacheEvent, getCacheStats, withKVCache } from 'payload-kv-cache'
import { hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { startPayload, type TestPayload, type Wrap } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kvCachePlugin } from '../src/index.js'
import { startTransactionalSqlite } from './transactionalSqlite.js'

/** What a hook listed after the plugin's saw, inside the write, before the commit. */
type Inside = { transactionID: unknown; headerInvalidations: number; headerRead: string[] }

type Start = (wrap: Wrap, plugins: Plugin[]) => Promise<TestPayload>

const setups: Array<{ name: string; skip: boolean; start: Start }> = [
  {
    // The fixtures' sqlite has no transactions (Payload's default): this one turns them on.
    name: 'sqlite with transactionOptions',
    skip: false,
    start: startTransactionalSqlite,
  },
  {
    name: 'postgres',
    skip: !hasPostgres(),
    start: (wrap, plugins) => startPayload({ kind: 'postgres', wrap, plugins }),
  },
]

for (const setup of setups) {
  describe.skipIf(setup.skip)(`kvCachePlugin inside transactions (${setup.name})`, () => {
    const events: CacheEvent[] = []
    const inside: Inside[] = []
    let failAfterPlugin = false
    let started: TestPayload
    let payload: Payload

    /** Listed after the plugin: looks at the cache from inside the write, or fails the write. */
    const lookInside: Plugin = (config) => ({
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
                  async ({ doc, req }) => {
                    const from = events.length
                    // Without `req`: a read outside the transaction, as another request makes.
                    await req.payload.findGlobal({ slug: 'header', depth: 0 })
                    inside.push({
                      transactionID: await req.transactionID,
                      headerInvalidations: headerInvalidations(),
                      headerRead: readsOfHeader(from),
                    })
                    if (failAfterPlugin) throw new Error('a later hook fails the write')
                    return doc
                  },
                ],
              },
            },
      ),
    })

    const headerInvalidations = () => getCacheStats(payload).invalidations.header ?? 0
    const readsOfHeader = (from: number) =>
      events
        .slice(from)
        .flatMap((event) =>
          (event.type === 'hit' || event.type === 'miss') && event.slug === 'header'
            ? [event.type]
            : [],
        )
    const readHeader = async () => {
      const from = events.length
      await payload.findGlobal({ slug: 'header', depth: 0 })
      return readsOfHeader(from)
    }
    const createPost = (title: string) =>
      payload.create({ collection: 'posts', depth: 0, data: { title, _status: 'published' } })

    beforeAll(async () => {
      started = await setup.start(
        (factory, kv) =>
          withKVCache(factory, kv, steady({ onEvent: (event: CacheEvent) => events.push(event) })),
        [kvCachePlugin({ collections: { posts: () => [{ global: 'header' }] } }), lookInside],
      )
      payload = started.payload
      await payload.updateGlobal({ slug: 'header', depth: 0, data: { title: 'Welcome' } })
    })
    afterAll(() => started?.cleanup())

    it("applies a hook's invalidation only once the write's transaction commits", async () => {
      await readHeader()
      expect(await readHeader()).toEqual(['hit'])
      const before = headerInvalidations()
      inside.length = 0

      await createPost('Committed')

      expect(inside).toHaveLength(1)
      expect(['string', 'number']).toContain(typeof inside[0]?.transactionID)
      // Inside the write the plugin's hook has run, but nothing is invalidated yet: other
      // requests still get the cached header, which is right until the commit.
      expect(inside[0]).toMatchObject({ headerInvalidations: before, headerRead: ['hit'] })
      // Committed: invalidated once, and the next read goes to the database.
      expect(headerInvalidations()).toBe(before + 1)
      expect(await readHeader()).toEqual(['miss'])
    })

    it('never applies the invalidation of a write that is rolled back', async () => {
      await readHeader()
      expect(await readHeader()).toEqual(['hit'])
      const before = headerInvalidations()
      failAfterPlugin = true
      try {
        await expect(createPost('Rolled back')).rejects.toThrow('a later hook fails the write')
      } finally {
        failAfterPlugin = false
      }
      expect(
        (await payload.find({ collection: 'posts', where: { title: { equals: 'Rolled back' } } }))
          .totalDocs,
      ).toBe(0)
      expect(headerInvalidations()).toBe(before)
      expect(await readHeader()).toEqual(['hit'])
    })
  })
}
