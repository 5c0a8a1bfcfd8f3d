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
 * With `faults`, D1 refuses reads (its free plan's daily row read limit) for one range of pages
 * and KV answers no call for another (`latencyModels.ts`); every page is then compared with the
 * database's answer, and failed pages are recorded rather than ending the run.
 *
 * workerd's clock advances with I/O (and timers), not with CPU: page times are the modelled
 * latencies plus the real I/O of Miniflare, CPU excluded. That is what the model is about.
 */
import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import { BasePayload, type DatabaseAdapterObj, type Payload } from 'payload'
import { withKVCache } from 'payload-kv-cache'
import { isTokenKey } from 'payload-kv-cache/internal'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { prng } from 'payload-kv-cache-test-fixtures/seed'
import { epochEnvelope, epochScopesOf, listAndDelete } from './emulatedDesigns.js'
import {
  delayedD1,
  type KVCounts,
  type LatencyModel,
  modelledKV,
  type Outage,
} from './latencyModels.js'
import {
  addCacheFigures,
  type CacheFigures,
  type ReplicaFigures,
  replicaFigures,
  replicatedD1,
} from './replicaLag.js'

export type Design = 'none' | 'payload-kv-cache' | 'list-and-delete' | 'epoch-envelope'

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
  /** `payload-kv-cache` only: `false` turns the hedge off (a miss waits for KV first). */
  hedgeMs?: false
  faults?: Faults
}

/**
 * Failures during a run, as page ranges `[from, to)`: D1 refusing reads as its free plan does past
 * the daily row read limit, and KV not answering (every call hangs; the cache's `timeoutMs` ends
 * its wait). Only for `none` and `payload-kv-cache`: the emulated designs have no timeout.
 */
export type Faults = { d1Down?: [number, number]; kvDown?: [number, number] }

export type ProductionRun = {
  design: Design
  requestsPerIsolate: number
  pages: number
  isolates: number
  /** Editor saves the database took; saves that threw (whether the database took them or not). */
  writes: number
  saveErrors: number
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
  /**
   * Per page, in order: database queries (refused ones included), and whether it was answered (no
   * read threw).
   */
  pageDb: number[]
  pageOk: boolean[]
  /** Per page: reads `staleIfError` answered with an older entry, not the database's error. */
  pageStaleIfError: number[]
  /**
   * With `faults` only (empty otherwise), per page: whether its answer differed from the
   * database's, read right after it (a failed page did not answer: `false`).
   */
  pageStale: boolean[]
  /** The oldest entry `staleIfError` answered with, in ms since it was read from the database. */
  staleIfErrorMaxAgeMs: number
}

type Env = { D1: D1Database; CACHE: KVNamespace; D1_REPLICA?: D1Database }

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
    refused: 0,
    lists: 0,
  }
  const edge = new Map<string, number>()
  const outage: Outage = { d1: false, kv: false }
  const primaryD1 = delayedD1(env.D1, latency, counts, outage)
  const replicated =
    body.replicaLagMs === undefined || !env.D1_REPLICA
      ? undefined
      : await replicatedD1(
          primaryD1,
          delayedD1(env.D1_REPLICA, { ...latency, d1Ms: body.replicaMs ?? 5 }, counts, outage),
          body.replicaLagMs,
          env.D1_REPLICA,
        )
  const d1 = replicated ? replicated.binding : primaryD1
  let cache: CacheFigures | undefined
  const tail = prng(body.seed + 1)
  const kv = modelledKV(env.CACHE, latency, kvCounts, isInvalidationKey[design], edge, tail, outage)
  const variant = [
    body.admission ?? 'default',
    ...(body.hedgeMs === false ? ['nohedge'] : []),
    ...(body.faults ? ['faults'] : []),
    ...(replicated ? [`lag${body.replicaLagMs}`] : []),
  ]
  const namespace = `prod-${design}-${requestsPerIsolate}-${body.seed}-${variant.join('-')}`
  let staleIfErrorServed = 0
  let staleIfErrorMaxAgeMs = 0
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
              ...(body.hedgeMs === false ? { hedgeMs: false as const } : {}),
              onEvent: (event) => {
                if (event.type !== 'stale-if-error' || !event.served) return
                staleIfErrorServed++
                staleIfErrorMaxAgeMs = Math.max(staleIfErrorMaxAgeMs, event.ageMs)
              },
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
  const pageDb: number[] = []
  const pageOk: boolean[] = []
  const pageStaleIfError: number[] = []
  const pageStale: boolean[] = []
  const during = (range: [number, number] | undefined, page: number) =>
    range !== undefined && page >= range[0] && page < range[1]
  const bootMs: number[] = []
  let isolate: Payload | undefined
  let wrote = false
  let writes = 0
  let saveErrors = 0
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
    outage.d1 = during(body.faults?.d1Down, page)
    outage.kv = during(body.faults?.kvDown, page)
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
        const title = `Edited ${page}`
        await exclude(async () => {
          // A save can throw: while D1 refuses reads, or when a design's KV work after the
          // database's write is refused (a 429). The editor sees an error; the page views go on.
          await current.update({ collection: 'posts', id, data: { title }, depth: 0 }).catch(() => {
            saveErrors++
          })
          await settle()
        }, false)
        // Whether the database took it, thrown or not: from then on this isolate has written.
        const saved = await truth.findByID({ collection: 'posts', id, depth: 0 })
        if (saved.title === title) {
          writes++
          wrote = true
        }
      }
    }
    const n = page % 3 === 0 ? 0 : pickPost()
    const view = () => (n === 0 ? home(current) : postPage(current, `post-${n}`))
    const queries = counts.queries
    const served = staleIfErrorServed
    const started = Date.now()
    // A page fails when a read throws (without faults none does).
    const answer = await view().then(
      (result) => ({ result }),
      () => undefined,
    )
    pageMs.push(Date.now() - started)
    pageDb.push(counts.queries - queries)
    pageOk.push(answer !== undefined)
    pageStaleIfError.push(staleIfErrorServed - served)
    // Compared with the database (the truth isolate, on the real binding): every page of an isolate
    // that wrote, and with faults every page.
    let differs = false
    if (answer && (wrote || body.faults)) {
      await exclude(async () => {
        const expected = n === 0 ? await home(truth) : await postPage(truth, `post-${n}`)
        differs = JSON.stringify(expected) !== JSON.stringify(answer.result)
      })
    }
    if (wrote && answer) {
      checkedAfterWrite++
      if (differs) staleReads++
    }
    if (body.faults) pageStale.push(differs)
    await settle()
  }
  outage.d1 = false
  outage.kv = false

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
    saveErrors,
    pageMs,
    dbQueries,
    kv: kvOut,
    kvRoundTripsFreshHit,
    staleReads,
    checkedAfterWrite,
    bootMsMean: bootMs.reduce((a, b) => a + b, 0) / Math.max(1, bootMs.length),
    ...(cache ? { cache } : {}),
    ...(replicated ? { replica: replicaFigures(replicated, body.replicaLagMs as number) } : {}),
    pageDb,
    pageOk,
    pageStaleIfError,
    pageStale,
    staleIfErrorMaxAgeMs,
  }
}
