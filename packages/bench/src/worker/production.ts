/**
 * The production model (`BENCH_SECTIONS=production`), run inside workerd: the demo's site
 * workload over Payload + the D1 adapter, with latency injected per call and isolates that churn,
 * for four designs side by side:
 * - `none`: Payload straight on D1;
 * - `payload-kv-cache`: `withKVCache` as shipped (memory tier, token snapshots, fills in the
 *   background);
 * - `list-and-delete`: what other Payload KV plugins do, emulated here: one KV entry per query
 *   keyed by collection, a `get` per read, and on a write a `list` of the collection's prefix
 *   followed by a `delete` of every key found;
 * - `epoch-envelope`: one stable key per query whose value carries the epochs of the collections
 *   it depends on, fetched with those epoch keys in ONE bulk get; an entry is valid when its
 *   epochs equal the current ones; a write replaces its collection's epoch.
 *
 * An isolate is a fresh Payload instance over a fresh wrapper (empty memory tier, no token
 * snapshot); it serves `requestsPerIsolate` pages, then the next one takes over. The KV namespace
 * and the D1 database are shared by all, as in one Cloudflare location.
 *
 * workerd's clock advances with I/O (and timers), not with CPU: page times are the modelled
 * latencies plus the real I/O of Miniflare, CPU excluded. That is what the model is about.
 */
import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import { BasePayload, type DatabaseAdapterObj, type Payload } from 'payload'
import { withKVCache } from 'payload-kv-cache'
import { type ConfigLike, fingerprint, isTokenKey, Schema } from 'payload-kv-cache/internal'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { prng } from 'payload-kv-cache-test-fixtures/seed'
import {
  addCacheFigures,
  type CacheFigures,
  type ReplicaFigures,
  replicaFigures,
  replicatedD1,
} from './replicaLag.js'

export type Design = 'none' | 'payload-kv-cache' | 'list-and-delete' | 'epoch-envelope'

/** Milliseconds per call; every figure a parameter (see `sections/production.ts` for sources). */
export type LatencyModel = {
  d1Ms: number
  kvHotMs: number
  kvColdMs: number
  kvWriteMs: number
  /** How long a key read (or written) at this location stays hot in its edge cache. */
  kvHotWindowMs: number
}

export type ProductionRequest = {
  design: Design
  requestsPerIsolate: number
  pages: number
  /** One editor write every this many pages. */
  writeEvery: number
  posts: number
  latency: LatencyModel
  seed: number
  /** `payload-kv-cache` only: its admission policy (default: the package's default). */
  admission?: 'always' | 'reused'
  /**
   * D1 read replication on (see `replicaLag.ts`): a replica here, `replicaMs` away, that has each
   * write this many milliseconds after it was made. Unset: no replicas, every query to the primary.
   */
  replicaLagMs?: number
  replicaMs?: number
}

export type ProductionRun = {
  design: Design
  requestsPerIsolate: number
  pages: number
  isolates: number
  writes: number
  pageMs: number[]
  dbQueries: number
  kv: KVCounts
  kvRoundTripsFreshHit: number
  staleReads: number
  /** Pages compared with the database in isolates that had written (all of their later pages). */
  checkedAfterWrite: number
  bootMsMean: number
  /** `payload-kv-cache` only: its own statistics, summed over the isolates. */
  cache?: CacheFigures
  /** Behind read replicas: queries by instance. */
  replica?: ReplicaFigures
}

type KVCounts = {
  /** Calls (a bulk get is one). */
  getCalls: number
  /** Keys read: what Cloudflare bills. */
  keysRead: number
  /** Of which token / epoch keys. */
  tokenKeysRead: number
  puts: number
  deletes: number
  lists: number
}

const sleep = (ms: number) =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()

type Env = { D1: D1Database; CACHE: KVNamespace; D1_REPLICA?: D1Database }

/** The D1 binding with `d1Ms` added to every query (a batch is one round trip), counted. */
export const delayedD1 = (d1: D1Database, model: LatencyModel, counts: { queries: number }) => {
  const real = new WeakMap<object, D1PreparedStatement>()
  const statement = (inner: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(inner, {
      get(target, property) {
        const value = Reflect.get(target, property, target)
        if (typeof value !== 'function') return value
        if (property === 'bind') {
          return (...args: unknown[]) => statement(value.apply(target, args))
        }
        if (
          property === 'all' ||
          property === 'run' ||
          property === 'first' ||
          property === 'raw'
        ) {
          return async (...args: unknown[]) => {
            counts.queries++
            await sleep(model.d1Ms)
            return value.apply(target, args)
          }
        }
        return value.bind(target)
      },
    })
    real.set(wrapped, inner)
    return wrapped
  }
  return new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (property === 'prepare') return (sql: string) => statement(value.call(target, sql))
      if (property === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          counts.queries += statements.length
          await sleep(model.d1Ms)
          return value.call(
            target,
            statements.map((s) => real.get(s) ?? s),
          )
        }
      }
      if (property === 'exec') {
        return async (sql: string) => {
          counts.queries++
          await sleep(model.d1Ms)
          return value.call(target, sql)
        }
      }
      return value.bind(target)
    },
  })
}

/**
 * KV with the latency of one location: a key read or written here within `kvHotWindowMs` is hot,
 * otherwise cold; a bulk get waits for its slowest key. Counts what Cloudflare bills.
 */
const modelledKV = (
  kv: KVNamespace,
  model: LatencyModel,
  counts: KVCounts,
  isToken: (key: string) => boolean,
  edge: Map<string, number>,
) => {
  const readDelay = (key: string) => {
    const now = Date.now()
    const last = edge.get(key)
    edge.set(key, now)
    return last !== undefined && now - last < model.kvHotWindowMs ? model.kvHotMs : model.kvColdMs
  }
  const get = async (key: string | string[], options?: unknown) => {
    const keys = Array.isArray(key) ? key : [key]
    counts.getCalls++
    counts.keysRead += keys.length
    counts.tokenKeysRead += keys.filter(isToken).length
    await sleep(Math.max(...keys.map(readDelay)))
    return (kv.get as (k: unknown, o?: unknown) => Promise<unknown>)(key, options)
  }
  return {
    get,
    getWithMetadata: async (key: string, options?: unknown) => {
      counts.getCalls++
      counts.keysRead++
      if (isToken(key)) counts.tokenKeysRead++
      await sleep(readDelay(key))
      return kv.getWithMetadata(key, options as never)
    },
    put: async (key: string, value: string, options?: unknown) => {
      counts.puts++
      await sleep(model.kvWriteMs)
      await kv.put(key, value, options as never)
      // Cloudflare: a write is visible at once in the location that made it (one location here).
      edge.set(key, Date.now())
    },
    delete: async (key: string) => {
      counts.deletes++
      await sleep(model.kvWriteMs)
      await kv.delete(key)
      edge.delete(key)
    },
    list: async (options?: unknown) => {
      counts.lists++
      await sleep(model.kvColdMs)
      return kv.list(options as never)
    },
  } as unknown as KVNamespace
}

const READS = new Set(['find', 'findOne', 'count', 'findGlobal', 'queryDrafts', 'findVersions'])
const WRITES = new Set([
  'create',
  'updateOne',
  'updateMany',
  'deleteOne',
  'deleteMany',
  'upsert',
  'createGlobal',
  'updateGlobal',
  'createVersion',
  'updateVersion',
  'deleteVersions',
  'createGlobalVersion',
  'updateGlobalVersion',
])

type Args = Record<string, unknown>
const slugOf = (args: Args) => String(args.collection ?? args.slug ?? args.global ?? '')
const keyOf = (method: string, args: Args) => {
  const { req: _req, ...rest } = args
  return fingerprint(`${method}|${JSON.stringify(rest)}`)
}

/**
 * Wraps an adapter's reads and writes with `read(method, slug, args, call)` and
 * `write(slug, call)`, as the emulated designs need; everything else reaches the adapter.
 */
const emulate = (
  factory: DatabaseAdapterObj,
  read: (
    method: string,
    slug: string,
    args: Args,
    call: () => Promise<unknown>,
  ) => Promise<unknown>,
  write: (slug: string, call: () => Promise<unknown>) => Promise<unknown>,
): DatabaseAdapterObj => ({
  ...factory,
  init: (options) => {
    const adapter = factory.init(options)
    return new Proxy(adapter, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function' || typeof property !== 'string') return value
        const call = (args: unknown[]) => () => Promise.resolve(value.apply(target, args))
        if (READS.has(property)) {
          return (...args: unknown[]) =>
            read(property, slugOf((args[0] ?? {}) as Args), (args[0] ?? {}) as Args, call(args))
        }
        if (WRITES.has(property)) {
          return (...args: unknown[]) => write(slugOf((args[0] ?? {}) as Args), call(args))
        }
        return value
      },
    })
  },
})

/** list-and-delete: one entry per query under `lad:<slug>:`; a write lists and deletes them all. */
const listAndDelete = (
  factory: DatabaseAdapterObj,
  kv: KVNamespace,
  background: (p: Promise<unknown>) => void,
) =>
  emulate(
    factory,
    async (method, slug, args, call) => {
      const key = `lad:${slug}:${keyOf(method, args)}`
      const hit = await kv.get(key)
      if (hit !== null) return JSON.parse(hit)
      const result = await call()
      if (result !== undefined) background(kv.put(key, JSON.stringify(result)))
      return result
    },
    async (slug, call) => {
      const result = await call()
      let cursor: string | undefined
      do {
        const page = await kv.list({ prefix: `lad:${slug}:`, ...(cursor ? { cursor } : {}) })
        await Promise.all(page.keys.map((key) => kv.delete(key.name)))
        cursor = page.list_complete ? undefined : page.cursor
      } while (cursor)
      return result
    },
  )

/**
 * The epochs a read of `slug` carries: the collections it can return data of (the cache's own
 * `Schema.reachable`: relationships, uploads, joins, transitively), and a global's own epoch.
 */
const epochScopesOf = (config: Awaited<ReturnType<typeof buildTestConfig>>) => {
  const schema = new Schema(config as unknown as ConfigLike, { name: 'sqlite' })
  const out = new Map<string, string[]>()
  for (const { slug } of config.collections) {
    out.set(slug, [...schema.reachable('collection', slug)].sort())
  }
  for (const { slug } of config.globals) {
    out.set(slug, [slug, ...schema.reachable('global', slug)].sort())
  }
  return out
}

/** epoch-envelope: value and epochs in one bulk get; valid when the epochs it carries are current. */
const epochEnvelope = (
  factory: DatabaseAdapterObj,
  kv: KVNamespace,
  background: (p: Promise<unknown>) => void,
  dependencies: Map<string, string[]>,
) =>
  emulate(
    factory,
    async (method, slug, args, call) => {
      const key = `env:${slug}:${keyOf(method, args)}`
      const epochKeys = (dependencies.get(slug) ?? [slug]).map((s) => `env:epoch:${s}`)
      const found = (await kv.get([key, ...epochKeys])) as unknown as Map<string, string | null>
      const epochs = epochKeys.map((k) => found.get(k) ?? '0')
      const raw = found.get(key)
      if (raw) {
        const entry = JSON.parse(raw) as { epochs: string[]; data: unknown }
        if (entry.epochs.join() === epochs.join()) return entry.data
      }
      const result = await call()
      if (result !== undefined) background(kv.put(key, JSON.stringify({ epochs, data: result })))
      return result
    },
    async (slug, call) => {
      const result = await call()
      await kv.put(`env:epoch:${slug}`, crypto.randomUUID())
      return result
    },
  )

const isInvalidationKey: Record<Design, (key: string) => boolean> = {
  none: () => false,
  'payload-kv-cache': isTokenKey,
  'list-and-delete': () => false,
  'epoch-envelope': (key) => key.startsWith('env:epoch:'),
}

/** The demo's pages: the home page (latest posts with authors and categories, the header) and a post by slug with its comments. */
const home = (payload: Payload) =>
  Promise.all([
    payload.find({
      collection: 'posts',
      where: { views: { greater_than: 100 } },
      sort: '-publishedAt',
      limit: 10,
      depth: 1,
      overrideAccess: false,
    }),
    payload.findGlobal({ slug: 'header', depth: 1 }),
  ])
const postPage = (payload: Payload, slug: string) =>
  payload.find({
    collection: 'posts',
    where: { slug: { equals: slug } },
    limit: 1,
    depth: 1,
    overrideAccess: false,
  })

export async function production(env: Env, body: ProductionRequest): Promise<ProductionRun> {
  const { design, requestsPerIsolate, pages, writeEvery, posts, latency } = body
  const counts = { queries: 0 }
  const kvCounts: KVCounts = {
    getCalls: 0,
    keysRead: 0,
    tokenKeysRead: 0,
    puts: 0,
    deletes: 0,
    lists: 0,
  }
  const edge = new Map<string, number>()
  const primaryD1 = delayedD1(env.D1, latency, counts)
  const replicated =
    body.replicaLagMs === undefined || !env.D1_REPLICA
      ? undefined
      : await replicatedD1(
          primaryD1,
          delayedD1(env.D1_REPLICA, { ...latency, d1Ms: body.replicaMs ?? 5 }, counts),
          body.replicaLagMs,
          env.D1_REPLICA,
        )
  const d1 = replicated ? replicated.binding : primaryD1
  let cache: CacheFigures | undefined
  const kv = modelledKV(env.CACHE, latency, kvCounts, isInvalidationKey[design], edge)
  const namespace = `prod-${design}-${requestsPerIsolate}-${body.seed}-${body.admission ?? 'default'}${replicated ? `-lag${body.replicaLagMs}` : ''}`
  let pending: Promise<unknown>[] = []
  const background = (p: Promise<unknown>) => {
    pending.push(p.catch(() => undefined))
  }
  const settle = async () => {
    while (pending.length) {
      const now = pending
      pending = []
      await Promise.all(now)
    }
  }
  const configOf = (db: DatabaseAdapterObj) => buildTestConfig({ db })
  const truthConfig = await configOf(sqliteD1Adapter({ binding: env.D1, push: false }))
  const truth = (await new BasePayload().init({ config: truthConfig })) as unknown as Payload
  const dependencies = epochScopesOf(truthConfig)

  const boot = async (): Promise<Payload> => {
    const adapter = sqliteD1Adapter({
      binding: d1,
      push: false,
      ...(replicated ? { readReplicas: 'first-primary' as const } : {}),
    })
    const db =
      design === 'none'
        ? adapter
        : design === 'payload-kv-cache'
          ? withKVCache(adapter, kv, {
              namespace,
              waitUntil: background,
              ...(body.admission ? { admission: body.admission } : {}),
            })
          : design === 'list-and-delete'
            ? listAndDelete(adapter, kv, background)
            : epochEnvelope(adapter, kv, background, dependencies)
    return (await new BasePayload().init({ config: await configOf(db) })) as unknown as Payload
  }

  // The same sequence for every design: Zipf popularity over posts, one write every `writeEvery`.
  const random = prng(body.seed)
  const weights = Array.from({ length: posts }, (_, k) => 1 / (k + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const pickPost = () => {
    let target = random() * total
    for (let k = 0; k < posts; k++) {
      target -= weights[k] as number
      if (target <= 0) return k + 1
    }
    return posts
  }

  const pageMs: number[] = []
  const bootMs: number[] = []
  let isolate: Payload | undefined
  let wrote = false
  let writes = 0
  let staleReads = 0
  let checkedAfterWrite = 0
  let isolates = 0
  // What is not a page view is not counted: boots, the comparison with the database, and the
  // database queries of the editors' writes (the same in every design). The KV work of a write
  // is counted: it is what invalidation costs.
  const excluded = { queries: counts.queries, kv: { ...kvCounts } }
  const exclude = async (work: () => Promise<unknown>, kvToo = true) => {
    const q = counts.queries
    const k = { ...kvCounts }
    await work()
    excluded.queries += counts.queries - q
    if (!kvToo) return
    for (const name of Object.keys(k) as (keyof KVCounts)[]) {
      excluded.kv[name] += kvCounts[name] - k[name]
    }
  }
  for (let page = 0; page < pages; page++) {
    if (page % requestsPerIsolate === 0 || !isolate) {
      await exclude(async () => {
        if (isolate && design === 'payload-kv-cache') cache = addCacheFigures(cache, isolate)
        if (isolate) await isolate.destroy()
        const started = Date.now()
        isolate = await boot()
        bootMs.push(Date.now() - started)
        isolates++
        wrote = false
      })
    }
    const current = isolate as Payload
    if (page > 0 && page % writeEvery === 0) {
      // An editor saves a post through this isolate (not a page view; its KV work is counted).
      const n = pickPost()
      const found = await truth.find({
        collection: 'posts',
        where: { slug: { equals: `post-${n}` } },
        depth: 0,
      })
      const id = found.docs[0]?.id
      if (id !== undefined) {
        await exclude(async () => {
          await current.update({
            collection: 'posts',
            id,
            data: { title: `Edited ${page}` },
            depth: 0,
          })
          await settle()
        }, false)
        writes++
        wrote = true
      }
    }
    const n = page % 3 === 0 ? 0 : pickPost()
    const view = () => (n === 0 ? home(current) : postPage(current, `post-${n}`))
    const started = Date.now()
    const result = await view()
    pageMs.push(Date.now() - started)
    if (wrote) {
      await exclude(async () => {
        const expected = n === 0 ? await home(truth) : await postPage(truth, `post-${n}`)
        checkedAfterWrite++
        if (JSON.stringify(expected) !== JSON.stringify(result)) staleReads++
      })
    }
    await settle()
  }

  const dbQueries = counts.queries - excluded.queries
  const kvOut = { ...kvCounts }
  for (const name of Object.keys(kvOut) as (keyof KVCounts)[]) kvOut[name] -= excluded.kv[name]

  // One hit in a fresh isolate: the entry is in KV (filled by the last isolate), memory is empty.
  let kvRoundTripsFreshHit = 0
  if (design !== 'none') {
    const probe = () => (isolate as Payload).findByID({ collection: 'posts', id: 1, depth: 0 })
    await probe()
    await settle()
    const fresh = await boot()
    const calls = kvCounts.getCalls
    await fresh.findByID({ collection: 'posts', id: 1, depth: 0 })
    kvRoundTripsFreshHit = kvCounts.getCalls - calls
    await settle()
    await fresh.destroy()
  }
  if (isolate && design === 'payload-kv-cache') cache = addCacheFigures(cache, isolate)
  await isolate?.destroy()
  await truth.destroy()

  return {
    design,
    requestsPerIsolate,
    pages,
    isolates,
    writes,
    pageMs,
    dbQueries,
    kv: kvOut,
    kvRoundTripsFreshHit,
    staleReads,
    checkedAfterWrite,
    bootMsMean: bootMs.reduce((a, b) => a + b, 0) / Math.max(1, bootMs.length),
    ...(cache ? { cache } : {}),
    ...(replicated ? { replica: replicaFigures(replicated, body.replicaLagMs as number) } : {}),
  }
}
