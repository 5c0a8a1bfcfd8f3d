import type { Payload } from 'payload'
import {
  hasPostgresReplica,
  type LaggingKind,
} from 'payload-kv-cache-test-fixtures/laggingDatabases'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, settled } from '../src/index.js'
import { recordFill } from '../src/read/recordFill.js'
import { tokenKey } from '../src/storage/storageKeys.js'
import { collectionList } from '../src/storage/tokenNames.js'
import { newTokenValue } from '../src/storage/tokenValues.js'
import type { CacheEvent } from '../src/types.js'
import { type LaggingCluster, startLaggingCluster } from './suites/laggingCluster.js'

/**
 * Behind a replica that has not caught up: a write in one isolate is seen by another within the
 * documented bound (`invalidationCheckMs` after the token write lands), though that isolate reads a
 * replica. Without the cache's handling, the other isolate learns the new tokens, misses, reads the
 * old answer from its replica and stores it under the new tokens, for a whole TTL.
 *
 * D1 (the lagging double, on `node:sqlite` and on Miniflare's D1) holds its replica back for the
 * whole test; the PostgreSQL replica is real and applies each commit `DATABASE_REPLICA_DELAY_MS`
 * (1.5 s) late, and every check here runs well within that after the write.
 */
const CHECK_MS = 150
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const behindAReplica = (kind: LaggingKind) =>
  describe(`behind a lagging ${kind === 'postgres' ? 'PostgreSQL replica (real, delayed)' : `D1 replica (double on ${kind === 'sqlite' ? 'node:sqlite' : "Miniflare's D1"})`}`, () => {
    let cluster: LaggingCluster
    let data: SeedResult
    let reader: Payload
    const events: CacheEvent[] = []

    beforeAll(async () => {
      cluster = await startLaggingCluster(kind, {
        readers: 1,
        options: { invalidationCheckMs: CHECK_MS, onEvent: (event) => events.push(event) },
      })
      data = await seed(cluster.writer, { posts: 4 })
      await cluster.db.catchUp()
      // From here on, the D1 replica has only what it has now.
      if (cluster.db.plan) cluster.db.plan.lagMs = Number.POSITIVE_INFINITY
      reader = cluster.readers[0] as Payload
    })
    afterAll(() => cluster?.cleanup())

    const title = (payload: Payload) =>
      payload
        .findByID({ collection: 'posts', id: data.posts[0] as number, depth: 0 })
        .then((doc) => doc.title)
    const list = (payload: Payload) =>
      payload
        .find({ collection: 'posts', sort: 'slug', depth: 0, limit: 10, locale: 'en' })
        .then((r) => r.docs.map((d) => `${d.id}:${d.title}`))

    it('says at start-up, once per isolate, that it handles the replicas', () => {
      const said = events.filter((event) => event.type === 'topology')
      expect(said).toHaveLength(2) // writer and reader
      expect(said[0]).toMatchObject({
        layer: kind === 'postgres' ? 'postgres-replicas' : 'd1-replicas',
        handling: 'handled',
      })
    })

    it('a write in one isolate is seen by another within the bound, though it reads a replica that has not caught up', async () => {
      const before = await title(reader)
      await list(reader)
      expect(await title(reader)).toBe(before) // now from its cache
      const started = Date.now()
      await cluster.writer.update({
        collection: 'posts',
        id: data.posts[0] as number,
        locale: 'en',
        data: { title: `Edited ${started}` },
      })
      await settled(cluster.writer) // the token write has landed
      await sleep(CHECK_MS + 50)
      const lagBefore = getCacheStats(reader).lag
      expect(await title(reader)).toBe(`Edited ${started}`)
      expect(await list(reader)).toEqual(await list(cluster.plain))
      // And what it stored is the new answer: served again from its cache.
      await settled(reader)
      expect(await title(reader)).toBe(`Edited ${started}`)
      // The misses under the new tokens made sure their source had the write: the D1 session
      // moved to the writer's bookmark; the PostgreSQL replicas were asked how far they had
      // replayed, and the primary read while they had not.
      const lag = getCacheStats(reader).lag
      const acted = (l: typeof lag) => l.bookmark + l.primary + l.replica
      expect(acted(lag) - acted(lagBefore)).toBeGreaterThan(0)
      expect(lag.notStored).toBe(0)
    })

    it('a token written without a position (an older version, another topology) sends the miss to the primary', async () => {
      await list(reader)
      const started = Date.now()
      // The write lands in the database; its token, as a version before positions writes it.
      await cluster.plain.update({
        collection: 'posts',
        id: data.posts[1] as number,
        locale: 'en',
        data: { title: `Behind ${started}` },
      })
      await cluster.kv.put(tokenKey('payload', collectionList('posts')), newTokenValue(Date.now()))
      await sleep(CHECK_MS + 50)
      const expected = await list(cluster.plain)
      expect(expected.some((entry) => entry.endsWith(`Behind ${started}`))).toBe(true)
      expect(await list(reader)).toEqual(expected)
      await settled(reader)
      expect(await list(reader)).toEqual(expected)
    })

    it('a render that fills a page cache reads the primary, not the replica', async () => {
      // The replica has every write so far, so this isolate's session may read it...
      await cluster.db.catchUp()
      const started = Date.now()
      // ...and a write this isolate has not seen, which the replica does not have yet.
      await cluster.plain.update({
        collection: 'posts',
        id: data.posts[2] as number,
        locale: 'en',
        data: { title: `Filled ${started}` },
      })
      const id = data.posts[2] as number
      const fill = await recordFill(() =>
        reader.findByID({ collection: 'posts', id, depth: 0 }).then((doc) => doc.title),
      )
      expect(fill.value).toBe(`Filled ${started}`)
      expect(fill.lagging).toEqual([])
    })
  })

behindAReplica('sqlite')
behindAReplica('d1')
describe.skipIf(!hasPostgresReplica())('PostgreSQL replica (DATABASE_REPLICA_URL)', () => {
  behindAReplica('postgres')
})
