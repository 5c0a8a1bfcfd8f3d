import type { Payload } from 'payload'
import type { LaggingKind } from 'payload-kv-cache-test-fixtures/laggingDatabases'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settled } from '../../../src/index.js'
import { buildFuzzConfig } from '../../fixtures/fuzzSchema.js'
import { type LaggingCluster, startLaggingCluster } from '../laggingCluster.js'
import { generator } from './generator.js'
import { outcome } from './outcome.js'
import { type Read, read } from './reads.js'
import { seedData } from './seedData.js'
import { aimedWrite, write } from './writes.js'

/**
 * The query grammar fuzzer over a database whose reads lag behind its primary (see
 * `laggingCluster.ts`): one isolate writes, others read through a replica that has not caught up.
 * Each step that writes:
 * 1. the readers ask every query of the pool (filling their caches, from their replica);
 * 2. the writer makes a random or aimed write, and its token write lands (`settled`);
 * 3. the documented bound passes (`invalidationCheckMs`): from here on every reader must answer as
 *    the primary does, though its replica still has not caught up (the D1 double holds it back;
 *    the PostgreSQL replica applies each commit 1.5 s late);
 * 4. each reader asks every query twice (the miss, then what it stored) and both answers must
 *    equal a plain Payload's on the primary: zero answers older than the bound.
 * The D1 double's replica catches up at random steps, so readers also fill from it.
 *
 * `FUZZ_SEED` and `FUZZ_STEPS` override the seed and the number of steps.
 */
export type LaggingFuzzOptions = {
  steps: number
  seed?: number
  /** Queries kept and asked after every write. Default 16. */
  pool?: number
  readers?: number
}

/** The bound: readers re-read their tokens after this long. */
const CHECK_MS = 100

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const laggingFuzzSuite = (kind: LaggingKind, options: LaggingFuzzOptions) => {
  const seed = Number(process.env.FUZZ_SEED ?? options.seed ?? 1)
  const steps = Number(process.env.FUZZ_STEPS ?? options.steps)
  const size = options.pool ?? 16
  const label =
    kind === 'postgres'
      ? 'PostgreSQL with a real replica applying commits late'
      : `D1 with a lagging replica (double on ${kind === 'sqlite' ? 'node:sqlite' : "Miniflare's D1"})`
  describe(`query grammar fuzzer on ${label}`, () => {
    let cluster: LaggingCluster
    beforeAll(async () => {
      cluster = await startLaggingCluster(kind, {
        readers: options.readers ?? 2,
        config: buildFuzzConfig,
        options: { invalidationCheckMs: CHECK_MS, ttl: 3600 },
      })
    })
    afterAll(() => cluster?.cleanup())

    it(`no reader answers older than the bound after ${steps} writes through another isolate (seed ${seed}, FUZZ_SEED to change)`, async () => {
      const g = generator(seed)
      const { writer, readers, plain, db } = cluster
      // The D1 adapter has no findDistinct: generate reads as for D1.
      const readKind = kind === 'postgres' ? 'postgres' : 'd1'
      const ids = await seedData(g, writer)
      await db.catchUp()
      if (db.plan) db.plan.lagMs = Number.POSITIVE_INFINITY
      const pool: Read[] = []
      while (pool.length < size) {
        const fresh = read(g, ids, readKind)
        pool.push(fresh)
        if (fresh.twin) pool.push(fresh.twin)
      }
      const askAll = async (readersToAsk: Payload[], context: string) => {
        for (const query of pool) {
          const expected = await outcome(() => query.run(plain))
          for (const [i, reader] of readersToAsk.entries()) {
            for (const round of ['miss', 'stored']) {
              const actual = await outcome(() => query.run(reader))
              expect(
                actual,
                `seed ${seed}, ${context}, reader ${i + 1} (${round})\n  query: ${query.describe}`,
              ).toEqual(expected)
            }
          }
        }
      }
      for (let step = 0; step < steps; step++) {
        if (g.chance(0.3)) pool.splice(g.int(pool.length), 1, read(g, ids, readKind))
        // 1. What the readers hold before the write, filled from their replica.
        for (const query of pool)
          for (const reader of readers) await outcome(() => query.run(reader))
        // The D1 replica follows now and then; in between it falls behind by several writes.
        if (db.plan && g.chance(0.3)) await db.catchUp()
        // 2. A write through the writer isolate; its token write lands.
        const aim = g.chance(0.6) ? g.pick(pool).touches : []
        const last = await (aim.length
          ? aimedWrite(g, ids, writer, g.pick(aim))
          : write(g, ids, writer)
        ).catch((error: Error) => `failed write: ${error.message}`)
        await settled(writer)
        // 3. The bound passes. 4. Every answer from here on is the primary's.
        await sleep(CHECK_MS + 50)
        await askAll(readers, `step ${step}, after ${last}`)
      }
    }, 1_200_000)
  })
}
