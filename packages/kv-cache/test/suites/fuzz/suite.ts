import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import { startPair, type TestPair } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withKVCache } from '../../../src/index.js'
import { buildFuzzConfig } from '../../fixtures/fuzzSchema.js'
import { generator } from './generator.js'
import { outcome } from './outcome.js'
import { type Read, read } from './reads.js'
import { seedData } from './seedData.js'
import { aimedWrite, write } from './writes.js'

/**
 * The query grammar fuzzer: a seeded generator of reads over the whole query grammar Payload
 * accepts (every operator; `and` / `or` in any letter case; `.` and `__` paths; nested `contains`
 * queries on relationships and joins; polymorphic `relationTo` / `value` paths; locale segments;
 * multi-hop paths; virtual fields; blocks, arrays and groups; join `where` / `sort` / `limit`;
 * `select`; drafts; access rules that walk relationships; odd id spellings) interleaved with random
 * writes (creates, updates, deletes that null foreign keys, bulk writes, drafts, the global), over
 * the fuzz schema. Half the writes are aimed at what a query of the pool walks through (a field it
 * tests, set to the value it tests for; a relationship on its path, re-pointed; a document at the
 * end of a reference, deleted): random writes alone rarely change a random query's answer. After
 * every write, every query of the pool, which the cached instance has already answered, is asked
 * again of it and of a plain Payload on the same database: zero differences.
 *
 * `FUZZ_SEED` and `FUZZ_STEPS` override the seed and the number of steps; `FUZZ_DEBUG=1` prints
 * every query; `FUZZ_NOCACHE=1` compares two plain Payloads (a difference then is not the cache's).
 */

/** `FUZZ_DEBUG=1`: every query as it is asked, to follow a failing seed step by step. */
const trace = (context: string, query: string) => {
  if (process.env.FUZZ_DEBUG) console.log(context, query)
}

export type FuzzOptions = {
  steps: number
  seed?: number
  /** Number of queries kept and asked after every step. Default 24. */
  pool?: number
  idType?: 'uuid'
}

export const fuzzSuite = (kind: DatabaseKind, options: FuzzOptions) => {
  const seed = Number(process.env.FUZZ_SEED ?? options.seed ?? 1)
  const steps = Number(process.env.FUZZ_STEPS ?? options.steps)
  const size = options.pool ?? 24
  const label = `${kind}${options.idType ? ` (${options.idType} ids)` : ''}`
  describe(`query grammar fuzzer on ${label}`, () => {
    let pair: TestPair
    beforeAll(async () => {
      pair = await startPair({
        kind,
        config: buildFuzzConfig,
        ...(options.idType ? { databaseOptions: { idType: options.idType } } : {}),
        wrap: (factory, kv) =>
          process.env.FUZZ_NOCACHE
            ? factory
            : withKVCache(factory, kv, steady({ maxStaleMs: 60_000 })),
      })
    })
    afterAll(() => pair?.cleanup())

    it(`answers like the database after each of ${steps} random steps (seed ${seed}, FUZZ_SEED to change)`, async () => {
      const g = generator(seed)
      const ids = await seedData(g, pair.cached)
      const pool: Read[] = []
      const ask = async (query: Read, context: string) => {
        trace(context, query.describe)
        const expected = await outcome(() => query.run(pair.plain))
        const actual = await outcome(() => query.run(pair.cached))
        expect(actual, `seed ${seed}, ${context}\n  query: ${query.describe}`).toEqual(expected)
      }
      let last = 'seed'
      for (let step = 0; step < steps; step++) {
        if (pool.length < size || g.chance(0.4)) {
          const fresh = read(g, ids, kind)
          if (pool.length >= size) pool.splice(g.int(pool.length), 1)
          pool.push(fresh)
          await ask(fresh, `step ${step}, new query after ${last}`)
          if (fresh.twin) {
            pool.push(fresh.twin)
            await ask(fresh.twin, `step ${step}, new query after ${last}`)
          }
          continue
        }
        const aim = g.chance(0.5) ? g.pick(pool).touches : []
        last = await (aim.length
          ? aimedWrite(g, ids, pair.cached, g.pick(aim))
          : write(g, ids, pair.cached)
        ).catch((error: Error) => `failed write: ${error.message}`)
        for (const query of pool) await ask(query, `step ${step}, after ${last}`)
      }
    }, 900_000)
  })
}
