import type { Payload } from 'payload'
import type { TestDatabase } from 'payload-kv-cache-test-fixtures/databases'
import { startPayload } from 'payload-kv-cache-test-fixtures/payload'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { settled, withKVCache } from '../../src/index.js'
import type { CacheEvent, KVCacheOptions } from '../../src/types.js'
import {
  type ProductionKV,
  type ProductionKVOptions,
  productionKV,
} from '../fixtures/productionKV.js'

/**
 * The load and fault suite's world: one sqlite database, one KV namespace that follows production
 * KV's rules (`productionKV`), a plain Payload for the truth, and as many cached Payload isolates
 * as a scenario wants — each a real Payload instance with its own wrapper (its own memory tier,
 * tokens and circuit), as a Worker isolate is. Isolates hand their background work to a
 * `waitUntil` of their own and record every cache event.
 */
export type Isolate = {
  payload: Payload
  events: CacheEvent[]
  /** Events of a type, in order. */
  of<T extends CacheEvent['type']>(type: T): Extract<CacheEvent, { type: T }>[]
  /** Database reads that got past the cache (adapter find/count/query calls). */
  databaseReads: number
  /** Waits for this isolate's background work (fills, token puts). */
  settle(): Promise<void>
  destroy(): Promise<void>
}

export type World = {
  kv: ProductionKV
  database: TestDatabase
  plain: Payload
  data: SeedResult
  /**
   * A fresh isolate on the world's database and KV; with `noWaitUntil`, one without `waitUntil`
   * (a Node server, or a Worker that does not pass it).
   */
  isolate(
    options?: Omit<KVCacheOptions, 'waitUntil' | 'onEvent'> & { noWaitUntil?: boolean },
  ): Promise<Isolate>
  cleanup(): Promise<void>
}

export const startWorld = async ({
  kv: kvOptions = {},
  posts = 12,
}: {
  kv?: ProductionKVOptions
  posts?: number
} = {}): Promise<World> => {
  const kv = productionKV(kvOptions)
  const plain = await startPayload({ kind: 'sqlite', kv: kv.kv as never })
  const isolates: Isolate[] = []
  try {
    const data = await seed(plain.payload, { posts })
    return {
      kv,
      database: plain.database,
      plain: plain.payload,
      data,
      isolate: async ({ noWaitUntil, ...options } = {}) => {
        const events: CacheEvent[] = []
        const background: Promise<unknown>[] = []
        let databaseReads = 0
        const started = await startPayload({
          kind: 'sqlite',
          database: plain.database,
          kv: kv.kv as never,
          wrap: (factory, binding) => {
            const counted = {
              ...factory,
              init: (args: Parameters<typeof factory.init>[0]) =>
                new Proxy(factory.init(args), {
                  get(target, property, receiver) {
                    const value = Reflect.get(target, property, receiver)
                    if (typeof value !== 'function' || typeof property !== 'string') return value
                    if (!/^(find|count|query)/.test(property)) return value
                    return (...args: unknown[]) => {
                      databaseReads++
                      return (value as (...a: unknown[]) => unknown).apply(target, args)
                    }
                  },
                }),
            }
            return withKVCache(counted, binding, {
              ...options,
              ...(noWaitUntil ? {} : { waitUntil: (promise) => background.push(promise) }),
              onEvent: (event) => events.push(event),
            })
          },
        })
        const isolate: Isolate = {
          payload: started.payload,
          events,
          of: (type) => events.filter((event) => event.type === type) as never,
          get databaseReads() {
            return databaseReads
          },
          settle: async () => {
            while (background.length) await Promise.all(background.splice(0))
            await settled(started.payload)
          },
          destroy: () => started.cleanup(),
        }
        isolates.push(isolate)
        return isolate
      },
      cleanup: async () => {
        for (const isolate of isolates.splice(0)) await isolate.destroy()
        await plain.cleanup()
      },
    }
  } catch (error) {
    await plain.cleanup()
    throw error
  }
}

/**
 * The demo site's home page as the anonymous visitor reads it: the latest posts with their authors
 * and categories (depth 1: population reads), the header with its nav pages, a post by slug with
 * its comments, and a count — eight reads or more, several of them population.
 */
export const homePage = (payload: Payload, slug = 'post-1') =>
  Promise.all([
    payload.find({
      collection: 'posts',
      sort: '-publishedAt',
      limit: 10,
      depth: 1,
      overrideAccess: false,
    }),
    payload.findGlobal({ slug: 'header', depth: 1 }),
    payload.find({
      collection: 'posts',
      where: { slug: { equals: slug } },
      limit: 1,
      depth: 1,
      overrideAccess: false,
    }),
    payload.count({ collection: 'comments' }),
    payload.find({ collection: 'categories', depth: 0, limit: 20 }),
  ])
