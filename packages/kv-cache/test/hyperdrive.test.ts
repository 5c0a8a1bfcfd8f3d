import type { Payload } from 'payload'
import { hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { createHyperdriveDatabase } from 'payload-kv-cache-test-fixtures/laggingDatabases'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOCK_SKEW_MS } from '../src/freshness/hyperdrive.js'
import { getCacheStats, settled } from '../src/index.js'
import { type LaggingCluster, startLaggingCluster } from './suites/laggingCluster.js'

/**
 * Behind Hyperdrive's query cache (the double of `hyperdriveCache.ts`: it answers a read query
 * from its cache for max_age + stale_while_revalidate, and never invalidates it after a write).
 * Without the cache's handling, another isolate's miss under the new tokens stores Hyperdrive's old
 * answer for a whole TTL. With it:
 * - Cloudflare's two bindings (`hyperdrive: { cached: 'replicas' }`): the miss reads the uncached
 *   pool, and another isolate sees the write within the cross-isolate bound;
 * - one cached binding (`cached: 'all'`): the miss is read (Hyperdrive's answer, as without the
 *   cache) and not stored, so nothing is staler than Hyperdrive's own window.
 */
const CHECK_MS = 150
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!hasPostgres())("behind Hyperdrive's query cache (a double)", () => {
  // Categories: a query whose SQL text is the same every time. Payload gives the tables of a join
  // field or a relationship path a random alias (`@payloadcms/drizzle` `getTableAlias`), so
  // Hyperdrive never answers those twice from its cache, stale or not.
  const title = (payload: Payload, data: SeedResult) =>
    payload
      .findByID({ collection: 'categories', id: data.categories[0] as number, depth: 0 })
      .then((doc) => doc.name)
  const edit = async (cluster: LaggingCluster, data: SeedResult, text: string) => {
    await cluster.writer.update({
      collection: 'categories',
      id: data.categories[0] as number,
      data: { name: text },
    })
    await settled(cluster.writer)
  }

  describe("Cloudflare's two bindings: the pool uncached, readReplicas cached", () => {
    let cluster: LaggingCluster
    let data: SeedResult
    beforeAll(async () => {
      cluster = await startLaggingCluster(
        () => createHyperdriveDatabase('replicas', { maxAgeMs: 60_000, staleMs: 15_000 }),
        { options: { invalidationCheckMs: CHECK_MS, hyperdrive: { cached: 'replicas' } } },
      )
      data = await seed(cluster.writer, { posts: 3 })
    })
    afterAll(() => cluster?.cleanup())

    it('a write in one isolate is seen by another within the bound: its miss reads the uncached pool', async () => {
      const reader = cluster.readers[0] as Payload
      await title(reader, data) // now in Hyperdrive's cache (the cached replica) and in ours
      const text = `Edited ${Date.now()}`
      await edit(cluster, data, text)
      await sleep(CHECK_MS + 50)
      expect(await title(reader, data)).toBe(text)
      await settled(reader)
      expect(await title(reader, data)).toBe(text)
      expect(getCacheStats(reader).lag.primary).toBeGreaterThan(0)
    })
  })

  describe('one cached binding for everything', () => {
    const MAX_AGE_MS = 3_000
    let cluster: LaggingCluster
    let data: SeedResult
    beforeAll(async () => {
      cluster = await startLaggingCluster(
        () => createHyperdriveDatabase('all', { maxAgeMs: MAX_AGE_MS, staleMs: 0 }),
        {
          options: {
            invalidationCheckMs: CHECK_MS,
            hyperdrive: { cached: 'all', maxAge: MAX_AGE_MS / 1000, staleWhileRevalidate: 0 },
          },
        },
      )
      data = await seed(cluster.writer, { posts: 3 })
    })
    afterAll(() => cluster?.cleanup())

    it("stores nothing Hyperdrive may still answer from before a write: no answer is older than Hyperdrive's own window", async () => {
      const reader = cluster.readers[0] as Payload
      await title(reader, data)
      const text = `Edited ${Date.now()}`
      const written = Date.now()
      await edit(cluster, data, text)
      await sleep(CHECK_MS + 50)
      // Within Hyperdrive's window its answer may be the old one; it is not stored under the new tokens.
      await title(reader, data)
      await settled(reader)
      const notStored = getCacheStats(reader).lag.notStored
      // Once Hyperdrive's window has passed since the write, the answer is the new one.
      await sleep(Math.max(0, written + MAX_AGE_MS + 100 - Date.now()))
      expect(await title(reader, data)).toBe(text)
      expect(notStored).toBeGreaterThan(0)
      // And once the cache's own window (plus clock skew) has passed, it is stored again.
      await sleep(Math.max(0, written + MAX_AGE_MS + CLOCK_SKEW_MS + 200 - Date.now()))
      const before = getCacheStats(reader).total.stores
      await reader.find({ collection: 'categories', where: { id: { equals: data.categories[0] } } })
      expect(getCacheStats(reader).total.stores).toBeGreaterThan(before)
    })
  })
})
