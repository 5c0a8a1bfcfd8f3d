import { createHash } from 'node:crypto'
import type { BaseDatabaseAdapter, DatabaseAdapterObj, Payload } from 'payload'
import { settled, withKVCache } from 'payload-kv-cache'
import type { BenchConfig } from '../config.js'
import type { BenchDatabase } from '../databases.js'
import { memoryKV, missKV } from '../kvDoubles.js'
import { adapterFindOne, adapterPageFind, pageFind } from '../queries.js'
import { median, runStats, type Summary, summarize } from '../timing.js'

/**
 * What the wrapper adds beyond the KV or database call itself.
 *
 * - Miss, real database: the cache (`memory: false`, over a KV double that answers at once and never
 *   finds anything, so every read is a miss) vs the same sqlite adapter object called directly,
 *   alternating call by call. Caller-visible time; the fill's KV put runs after the read returns,
 *   and is awaited (`settled`) outside the timed region.
 * - Miss, instant adapter: the same over an adapter that returns a prepared result at once, so the
 *   difference is the wrapper's own work (key, token snapshot, SHA-256, serializing the result).
 * - KV hit, instant KV: a hit from an in-memory KV double vs that double's `get` + `JSON.parse`.
 * - Memory hit: a memory-tier hit vs a bare `JSON.parse` of the same serialized result.
 */

type Op = () => Promise<unknown> | unknown

/** Times `a` and `b` alternately, `iterations` pairs per run; returns both and the per-pair difference. */
async function paired(
  a: Op,
  b: Op,
  iterations: number,
  runs: number,
  after?: () => Promise<unknown>,
): Promise<{ a: Summary; b: Summary; difference: Summary }> {
  for (let i = 0; i < 20; i++) {
    await a()
    await b()
    await after?.()
  }
  const ra = []
  const rb = []
  const rd = []
  for (let run = 0; run < runs; run++) {
    const sa: number[] = []
    const sb: number[] = []
    const sd: number[] = []
    for (let i = 0; i < iterations; i++) {
      // Alternate which goes first, so that neither always runs right after the other's background work.
      const first = i % 2 === 0
      let ta = 0
      let tb = 0
      for (const which of first ? ['a', 'b'] : ['b', 'a']) {
        const start = performance.now()
        await (which === 'a' ? a() : b())
        const elapsed = performance.now() - start
        if (which === 'a') ta = elapsed
        else tb = elapsed
        if (which === 'b') await after?.()
      }
      sa.push(ta)
      sb.push(tb)
      sd.push(tb - ta)
    }
    ra.push(runStats(sa))
    rb.push(runStats(sb))
    rd.push(runStats(sd))
  }
  return { a: summarize(ra), b: summarize(rb), difference: summarize(rd) }
}

/** An adapter whose reads return prepared results at once (the same objects, as a driver would build new ones). */
export const instantAdapter = (page: unknown, doc: unknown): DatabaseAdapterObj =>
  ({
    name: 'instant',
    defaultIDType: 'number',
    init: () =>
      ({
        name: 'instant',
        find: async () => page,
        findOne: async () => doc,
      }) as unknown as BaseDatabaseAdapter,
  }) as unknown as DatabaseAdapterObj

/** `withKVCache` over the instant adapter, initialised against a real (sanitized) config. */
export const instantCache = (
  payload: Payload,
  page: unknown,
  doc: unknown,
  options: Parameters<typeof withKVCache>[2],
  kv = missKV(),
) => {
  const host = { config: payload.config, logger: payload.logger } as unknown as Payload
  const db = withKVCache(instantAdapter(page, doc), kv, options).init({
    payload: host,
  }) as BaseDatabaseAdapter
  Object.assign(host, { db })
  return { host, db }
}

export type OverheadScenarios = Record<
  string,
  { bare: Summary; cached: Summary; added: Summary; addedPercentOfBare: number; note: string }
>

/** The factory, remembering the adapter it makes: the bare adapter under a cache. */
const capture = (factory: DatabaseAdapterObj, onInit: (adapter: BaseDatabaseAdapter) => void) =>
  ({
    ...factory,
    init: (args: Parameters<DatabaseAdapterObj['init']>[0]) => {
      const adapter = factory.init(args)
      onInit(adapter)
      return adapter
    },
  }) as DatabaseAdapterObj

/** Where a miss spends its time on sqlite, and the costs behind it (medians, ms). */
export type MissBreakdown = {
  /** Cached call start → the adapter's `find` invoked (control, key, tokens, SHA-256, KV get). */
  beforeDatabase: number
  /** The adapter's `find` itself. */
  database: number
  /** The adapter's answer → the cached call resolves (JSON.stringify, fill scheduled, events). */
  afterDatabase: number
  /** The bare `find` on the same adapter, alternating with the cached one. */
  bare: number
  /** `await crypto.subtle.digest('SHA-256', key)` in a tight loop, and right after 2 ms of synchronous work (a query). */
  webCryptoDigest: { tight: number; afterBusyMain: number }
  /** `createHash('sha256')` from node:crypto (synchronous; available in workerd under nodejs_compat). */
  nodeCreateHash: number
  /** JSON.stringify of the adapter's own result, and of a structuredClone of it (same content). */
  stringify: { adapterResult: number; plainCopy: number }
}

export type Overhead = { scenarios: OverheadScenarios; miss: MissBreakdown }

const busy = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end);
}

const medianOf = async (iterations: number, op: () => unknown, before?: () => unknown) => {
  const samples: number[] = []
  for (let i = 0; i < iterations; i++) {
    before?.()
    const start = performance.now()
    await op()
    samples.push(performance.now() - start)
  }
  return median(samples)
}

/** Times the phases of a miss by timing the adapter's `find` from inside the cache's call. */
async function missBreakdown(
  bare: BaseDatabaseAdapter,
  cached: Payload,
  iterations: number,
): Promise<MissBreakdown> {
  const find = bare.find
  let invoked = 0
  let answered = 0
  const timedFind = async (...args: unknown[]) => {
    invoked = performance.now()
    const result = await (find as (...a: unknown[]) => Promise<unknown>).apply(bare, args)
    answered = performance.now()
    return result
  }
  const phases = {
    before: [] as number[],
    database: [] as number[],
    after: [] as number[],
    bare: [] as number[],
  }
  for (let i = 0; i < iterations + 20; i++) {
    let start = performance.now()
    await find.call(bare, adapterPageFind() as never)
    const bareMs = performance.now() - start
    Object.assign(bare, { find: timedFind }) // the cache's Proxy wraps whatever `find` is now
    start = performance.now()
    await cached.db.find(adapterPageFind())
    const end = performance.now()
    Object.assign(bare, { find })
    await settled(cached)
    if (i < 20) continue
    phases.bare.push(bareMs)
    phases.before.push(invoked - start)
    phases.database.push(answered - invoked)
    phases.after.push(end - answered)
  }
  const key = new TextEncoder().encode('x'.repeat(400))
  const text = 'x'.repeat(400)
  const result = await find.call(bare, adapterPageFind() as never)
  const copy = structuredClone(result)
  return {
    beforeDatabase: median(phases.before),
    database: median(phases.database),
    afterDatabase: median(phases.after),
    bare: median(phases.bare),
    webCryptoDigest: {
      tight: await medianOf(iterations * 5, () => crypto.subtle.digest('SHA-256', key)),
      afterBusyMain: await medianOf(
        iterations,
        () => crypto.subtle.digest('SHA-256', key),
        () => busy(2),
      ),
    },
    nodeCreateHash: await medianOf(iterations * 5, () =>
      createHash('sha256').update(text).digest('hex'),
    ),
    stringify: {
      adapterResult: await medianOf(iterations * 5, () => JSON.stringify(result)),
      plainCopy: await medianOf(iterations * 5, () => JSON.stringify(copy)),
    },
  }
}

export async function overhead(config: BenchConfig, sqlite: BenchDatabase): Promise<Overhead> {
  const { plain } = sqlite
  const id = ((await plain.find(pageFind)).docs[0]?.id ?? 1) as number | string
  // Bare and cached calls go to one adapter object (one libsql connection): only the cache differs.
  let inner: BaseDatabaseAdapter | undefined
  const missCached = await sqlite.attach((f) =>
    withKVCache(
      capture(f, (adapter) => {
        inner = adapter
      }),
      missKV(),
      { namespace: 'miss', memory: false },
    ),
  )
  if (!inner) throw new Error('the adapter under the cache was not captured')
  const bare = inner
  const page = await plain.db.find(adapterPageFind())
  const doc = await plain.db.findOne(adapterFindOne(id))
  const pageJSON = JSON.stringify(page)
  const docJSON = JSON.stringify(doc)
  const fast = config.iterations
  const cpu = config.iterations * 10
  const runs = config.overheadRuns
  const out: OverheadScenarios = {}
  const record = (name: string, result: Awaited<ReturnType<typeof paired>>, note: string) => {
    out[name] = {
      bare: result.a,
      cached: result.b,
      added: result.difference,
      addedPercentOfBare: (100 * result.difference.p50) / result.a.p50,
      note,
    }
  }

  record(
    'miss · sqlite · db.find (10-doc page)',
    await paired(
      () => bare.find(adapterPageFind() as never),
      () => missCached.db.find(adapterPageFind()),
      fast,
      runs,
      () => settled(missCached),
    ),
    'bare = the sqlite adapter object called directly; cached = the same through withKVCache, every read a miss (instant KV double)',
  )
  record(
    'miss · sqlite · db.findOne (by ID)',
    await paired(
      () => bare.findOne(adapterFindOne(id) as never),
      () => missCached.db.findOne(adapterFindOne(id)),
      fast,
      runs,
      () => settled(missCached),
    ),
    'as above, by-ID read',
  )

  const instantMiss = instantCache(plain, page, doc, { namespace: 'instant-miss', memory: false })
  const bareInstant = instantAdapter(page, doc).init({ payload: plain }) as BaseDatabaseAdapter
  record(
    'miss · instant adapter · find',
    await paired(
      () => bareInstant.find(adapterPageFind() as never),
      () => instantMiss.db.find(adapterPageFind() as never),
      cpu,
      runs,
      () => settled(instantMiss.host),
    ),
    'bare = an adapter returning a prepared 10-doc page at once; cached = every read a miss (instant KV double)',
  )
  record(
    'miss · instant adapter · findOne',
    await paired(
      () => bareInstant.findOne(adapterFindOne(id) as never),
      () => instantMiss.db.findOne(adapterFindOne(id) as never),
      cpu,
      runs,
      () => settled(instantMiss.host),
    ),
    'as above, by-ID read',
  )

  const kvStore = memoryKV()
  const instantKV = instantCache(
    plain,
    page,
    doc,
    { namespace: 'instant-kv', memory: false },
    kvStore,
  )
  await instantKV.db.find(adapterPageFind() as never)
  await instantKV.db.findOne(adapterFindOne(id) as never)
  await settled(instantKV.host)
  const pageKey = (await kvStore.list({ prefix: 'instant-kv:' })).keys.find((k) =>
    k.name.includes(':find:'),
  )?.name
  if (!pageKey) throw new Error('the instant KV double holds no entry for the page')
  record(
    'KV hit · instant KV · find',
    await paired(
      async () => {
        const raw = (await kvStore.get(pageKey)) as string
        return JSON.parse(
          raw.slice(raw.indexOf('\n', raw.indexOf('\n', raw.indexOf('\n') + 1) + 1) + 1),
        )
      },
      () => instantKV.db.find(adapterPageFind() as never),
      cpu,
      runs,
    ),
    'bare = the in-memory KV double get + JSON.parse of the entry; cached = a KV hit through withKVCache (memory: false)',
  )

  const instantMemory = instantCache(plain, page, doc, { namespace: 'instant-memory' }, memoryKV())
  await instantMemory.db.find(adapterPageFind() as never)
  await instantMemory.db.findOne(adapterFindOne(id) as never)
  await settled(instantMemory.host)
  record(
    'memory hit · find (10-doc page)',
    await paired(
      () => JSON.parse(pageJSON),
      () => instantMemory.db.find(adapterPageFind() as never),
      cpu,
      runs,
    ),
    `bare = JSON.parse of the serialized page (${pageJSON.length} chars); cached = a memory-tier hit`,
  )
  record(
    'memory hit · findOne (by ID)',
    await paired(
      () => JSON.parse(docJSON),
      () => instantMemory.db.findOne(adapterFindOne(id) as never),
      cpu,
      runs,
    ),
    `bare = JSON.parse of the serialized document (${docJSON.length} chars); cached = a memory-tier hit`,
  )
  return { scenarios: out, miss: await missBreakdown(bare, missCached, fast * 2) }
}
