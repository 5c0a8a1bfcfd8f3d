import type { DatabaseAdapterObj, Payload, Plugin } from 'payload'
import { handleEndpoints } from 'payload'
import type { DatabaseKind } from 'payload-kv-cache-test-fixtures/databases'
import {
  faultyKV,
  type InstrumentedKV,
  instrumentKV,
  type KVFaultPlan,
} from 'payload-kv-cache-test-fixtures/kv'
import { startPair, startPayload, type TestPair } from 'payload-kv-cache-test-fixtures/payload'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { withKVCache } from '../../src/index.js'
import type { KVCacheOptions } from '../../src/types.js'

/** Database calls that got past the cache, by adapter method and collection or global slug. */
export type DatabaseCalls = {
  /** Calls of `method`, on `slug` only when given. */
  count(method: string, slug?: string): number
  reset(): void
}

/**
 * Counts the calls that reach the adapter under the cache. Like `observeAdapter` in
 * `decorators.ts`, but by collection too: an authenticated REST request also reads `users`
 * (`findOne` of the JWT strategy), which must not be mistaken for the read under test.
 */
const countCalls = (factory: DatabaseAdapterObj): [DatabaseAdapterObj, DatabaseCalls] => {
  const calls = new Map<string, number>()
  const add = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1)
  const log: DatabaseCalls = {
    count: (method, slug) => calls.get(slug === undefined ? method : `${method}:${slug}`) ?? 0,
    reset: () => calls.clear(),
  }
  const counted: DatabaseAdapterObj = {
    ...factory,
    init: (args) =>
      new Proxy(factory.init(args), {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver)
          if (
            typeof property !== 'string' ||
            typeof value !== 'function' ||
            !/^(find|count|query)/.test(property)
          ) {
            return value
          }
          return (...callArgs: unknown[]) => {
            const first = (callArgs[0] ?? {}) as Record<string, unknown>
            add(property)
            add(`${property}:${String(first.collection ?? first.slug ?? first.global ?? '')}`)
            return (value as (...a: unknown[]) => unknown).apply(target, callArgs)
          }
        },
      }),
  }
  return [counted, log]
}

/**
 * A plain and a cached Payload on one database, for the per-request control and statistics tests:
 * - `db` counts the reads that reach the database under the cache;
 * - `kvCalls` counts the operations the cache made on KV (the KV given to `withKVCache` is
 *   wrapped by `instrumentKV`);
 * - `settle()` waits for the cache's background work (entry puts, invalidation puts), which the
 *   cache hands to the `waitUntil` option, as on Workers;
 * - `rest` calls the cached instance's REST API in process.
 */
export type ControlPair = TestPair & {
  db: DatabaseCalls
  kvCalls: InstrumentedKV
  data: SeedResult
  settle(): Promise<void>
  rest: RestClient
  /** The plugins both instances were built with (another isolate needs the same schema). */
  plugins?: Plugin[]
}

export type ControlPairOptions = {
  /** Options for `withKVCache`; `waitUntil` is set by the pair. */
  options?: Omit<KVCacheOptions, 'waitUntil'>
  /** Posts to seed. Default 12. */
  posts?: number
  /** Applied to both instances (the schema must match). */
  plugins?: Plugin[]
  /**
   * Makes the cache's KV fail or hang as this plan says (`faultyKV`); the plan is read on every
   * call, so a test can change it midway. Counted by `kvCalls` either way.
   */
  faults?: KVFaultPlan
}

export const startControlPair = async (
  kind: DatabaseKind,
  { options = {}, posts = 12, plugins, faults }: ControlPairOptions = {},
): Promise<ControlPair> => {
  let db!: DatabaseCalls
  let kvCalls!: InstrumentedKV
  const background: Promise<unknown>[] = []
  const pair = await startPair({
    kind,
    ...(plugins ? { plugins } : {}),
    wrap: (factory, kv) => {
      const [observed, log] = countCalls(factory)
      db = log
      kvCalls = instrumentKV(faults ? faultyKV(kv, faults) : kv)
      return withKVCache(
        observed,
        kvCalls.kv,
        steady({ ...options, waitUntil: (p: Promise<unknown>) => background.push(p) }),
      )
    },
  })
  // Seeded through the plain instance: the cached one starts like a fresh isolate, with nothing
  // cached and nothing counted.
  const data = await seed(pair.plain, { posts })
  const rest = restClient(pair.cached)
  db.reset()
  kvCalls.reset()
  return {
    ...pair,
    db,
    kvCalls,
    data,
    rest,
    ...(plugins ? { plugins } : {}),
    settle: async () => {
      while (background.length) await Promise.all(background.splice(0))
    },
    cleanup: async () => {
      rest.dispose()
      await pair.cleanup()
    },
  }
}

export type RestClient = {
  /** `GET /api${path}` (or `init.method`) on the instance, through Payload's own REST router. */
  request(path: string, init?: RequestInit): Promise<Response>
  /** As `request`, then the JSON body; throws with the body when the status is not 2xx. */
  json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<T>
  dispose(): void
}

let instances = 0

/**
 * Payload's REST API without Next.js: `handleEndpoints` (payload/dist/utilities/handleEndpoints)
 * routes a Fetch `Request` like `@payloadcms/next` does. It builds `req` with
 * `createPayloadRequest`, which looks the instance up with `getPayload({ key })`; an instance made
 * with `new BasePayload().init()` (as the fixtures do) is registered in getPayload's process-wide
 * map under a key of its own, so the router uses it instead of booting another one.
 */
export const restClient = (payload: Payload): RestClient => {
  const key = `payload-kv-cache-rest-${++instances}`
  const registry = (globalThis as { _payload?: Map<string, unknown> })._payload
  if (!registry) throw new Error('payload has not set up its getPayload cache (global._payload)')
  registry.set(key, { initializedCrons: true, payload, promise: null, reload: false, ws: null })
  const request = (path: string, init?: RequestInit) =>
    handleEndpoints({
      config: payload.config,
      payloadInstanceCacheKey: key,
      request: new Request(`http://localhost${payload.config.routes.api}${path}`, init),
    })
  return {
    request,
    json: async <T>(path: string, init?: RequestInit) => {
      const response = await request(path, init)
      const body = (await response.json()) as T
      if (!response.ok) {
        throw new Error(
          `${init?.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`,
        )
      }
      return body
    },
    dispose: () => {
      registry.delete(key)
    },
  }
}

export type Isolate = {
  payload: Payload
  kvCalls: InstrumentedKV
  settle(): Promise<void>
  cleanup(): Promise<void>
}

/**
 * Another cached instance on the same database and the same KV namespace as `pair`: what a second
 * Worker isolate is in production. Its memory tier starts empty, so what `pair.cached` stored is
 * found in KV.
 */
export const startIsolate = async (
  pair: ControlPair,
  options: Omit<KVCacheOptions, 'waitUntil'> = {},
): Promise<Isolate> => {
  let kvCalls!: InstrumentedKV
  const background: Promise<unknown>[] = []
  const started = await startPayload({
    kind: pair.database.kind,
    database: pair.database,
    kv: pair.kv,
    ...(pair.plugins ? { plugins: pair.plugins } : {}),
    wrap: (factory, kv) => {
      kvCalls = instrumentKV(kv)
      return withKVCache(
        factory,
        kvCalls.kv,
        steady({ ...options, waitUntil: (p: Promise<unknown>) => background.push(p) }),
      )
    },
  })
  return {
    payload: started.payload,
    kvCalls,
    settle: async () => {
      while (background.length) await Promise.all(background.splice(0))
    },
    cleanup: started.cleanup,
  }
}
