import type { KVNamespace } from '@cloudflare/workers-types'
import { BasePayload, type DatabaseAdapterObj, type Payload } from 'payload'
import {
  createLaggingDatabase,
  type LaggingDatabase,
  type LaggingKind,
} from 'payload-kv-cache-test-fixtures/laggingDatabases'
import { startMiniflare } from 'payload-kv-cache-test-fixtures/miniflare'
import type { BuildConfig } from 'payload-kv-cache-test-fixtures/payload'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { withKVCache } from '../../src/index.js'
import type { KVCacheOptions } from '../../src/types.js'

/**
 * Isolates over a database whose reads lag behind its primary (see the fixtures'
 * `laggingDatabases.ts`), sharing one KV namespace:
 * - `plain`: Payload on the primary, without the cache: the truth answers are compared with;
 * - `writer`: a cached isolate through the lagging layer, which makes the writes;
 * - `readers`: cached isolates through the lagging layer, which read what the writer changed
 *   while their replica has not caught up.
 */
export type LaggingCluster = {
  db: LaggingDatabase
  kv: KVNamespace
  plain: Payload
  writer: Payload
  readers: Payload[]
  cleanup(): Promise<void>
}

export type LaggingClusterOptions = {
  readers?: number
  /** The cache's options in every cached isolate (`steady` applied). */
  options?: KVCacheOptions
  /** The schema. Default: the test schema. */
  config?: BuildConfig
}

export const startLaggingCluster = async (
  kind: LaggingKind | (() => Promise<LaggingDatabase>),
  { readers = 1, options = {}, config = buildTestConfig }: LaggingClusterOptions = {},
): Promise<LaggingCluster> => {
  const release: Array<() => Promise<unknown>> = []
  const cleanup = async () => {
    for (const step of release.splice(0).reverse()) await step()
  }
  try {
    const db = typeof kind === 'function' ? await kind() : await createLaggingDatabase(kind)
    release.push(db.cleanup)
    let kv = db.kv
    if (!kv) {
      const mf = await startMiniflare()
      release.push(mf.dispose)
      kv = mf.kv
    }
    const boot = async (adapter: DatabaseAdapterObj) => {
      const payload = (await new BasePayload().init({
        config: await config({ db: adapter }),
      })) as unknown as Payload
      release.push(() => payload.destroy())
      return payload
    }
    const cached = () => withKVCache(db.lagging(), kv as KVNamespace, steady(options))
    const plain = await boot(db.primary(true))
    // The replica has the schema before any isolate reads it.
    await db.catchUp()
    const writer = await boot(cached())
    const others: Payload[] = []
    for (let i = 0; i < readers; i++) others.push(await boot(cached()))
    return { db, kv, plain, writer, readers: others, cleanup }
  } catch (error) {
    await cleanup()
    throw error
  }
}
