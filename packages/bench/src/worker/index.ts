/**
 * The benchmark's Worker, bundled by esbuild (`../workerd.ts`) and run by Miniflare in workerd:
 * Payload 3 with the D1 adapter on the `D1` binding, `withKVCache` (from `payload-kv-cache`)
 * on the `CACHE` binding, and the test schema.
 *
 * Routes (POST, JSON):
 * - host `d1.fixture`: runs D1 statements for Node, in the protocol of the test fixtures'
 *   `d1OverFetch`, so Node-side adapters (the schema push, the uncached-D1-from-Node scenarios)
 *   share this database.
 * - `/seed { posts }`: seeds the database through Payload's local API, here in workerd.
 * - `/reads { minOps, minMs }`: one round of every read scenario; the mean milliseconds per operation.
 * - `/invalidation { entries, run, putConcurrency }`: one invalidation measurement (see `invalidationRun.ts`).
 * - `/production { design, requestsPerIsolate, ... }`: one run of the production model (see `production.ts`).
 *
 * workerd's clock has 1 ms resolution, so operations are timed in batches of at least `minOps`
 * operations lasting at least `minMs`, never one by one: there is a mean per batch, no percentile.
 */
import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import { BasePayload, type Payload } from 'payload'
import { getCacheStats, resetCacheStats, settled, withKVCache } from 'payload-kv-cache'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { seed } from 'payload-kv-cache-test-fixtures/seed'
import { type CountingKV, countingKV } from '../kvDoubles.js'
import { adapterFindOne, adapterPageFind, pageFind, rawPageSQL } from '../queries.js'
import { invalidationRun, NAMESPACE } from './invalidationRun.js'
import { type ProductionRequest, production } from './production.js'

type Env = { D1: D1Database; CACHE: KVNamespace }

type Instances = {
  plain: Payload
  kv: Payload
  memory: Payload
  id: number | string
  bootMs: number
}

let instances: Promise<Instances> | undefined

const boot = async (
  env: Env,
  wrap?: 'kv' | 'memory',
  kv: KVNamespace = env.CACHE,
): Promise<Payload> => {
  const adapter = sqliteD1Adapter({ binding: env.D1, push: false })
  const db =
    wrap === undefined
      ? adapter
      : withKVCache(adapter, kv, {
          namespace: wrap === 'kv' && kv !== env.CACHE ? NAMESPACE : `workerd-${wrap}`,
          ...(wrap === 'kv' ? { memory: false as const } : {}),
        })
  const config = await buildTestConfig({ db })
  return (await new BasePayload().init({ config })) as unknown as Payload
}

const start = (env: Env): Promise<Instances> =>
  (instances ??= (async () => {
    const started = Date.now()
    const plain = await boot(env)
    const kv = await boot(env, 'kv')
    const memory = await boot(env, 'memory')
    const first = await plain.find(pageFind)
    const id = first.docs[0]?.id
    if (id === undefined)
      throw new Error('the database has no post matching the page query: seed it first')
    return { plain, kv, memory, id, bootMs: Date.now() - started }
  })())

/** Mean milliseconds per call of `op`, over at least `minOps` calls and `minMs`. */
const timeBatch = async (
  op: () => Promise<unknown> | unknown,
  minOps: number,
  minMs: number,
): Promise<number> => {
  let done = 0
  let elapsed = 0
  const start = performance.now()
  while (done < minOps || elapsed < minMs) {
    await op()
    done++
    elapsed = performance.now() - start
  }
  return elapsed / done
}

async function reads(env: Env, minOps: number, minMs: number) {
  const { plain, kv, memory, id } = await start(env)
  const page = await plain.db.find(adapterPageFind())
  const pageJSON = JSON.stringify(page)
  await env.CACHE.put('bench:raw-page', pageJSON)

  const scenarios: Record<string, () => Promise<unknown> | unknown> = {
    'raw D1 query (10 rows, main table)': () => env.D1.prepare(rawPageSQL).bind(100).all(),
    'raw KV get of the serialized page': () => env.CACHE.get('bench:raw-page'),
    'JSON.parse of the serialized page': () => JSON.parse(pageJSON),
  }
  const tiers = { 'uncached D1': plain, 'KV hit': kv, 'memory hit': memory } as const
  for (const [tier, payload] of Object.entries(tiers)) {
    scenarios[`payload.find · ${tier}`] = () => payload.find(pageFind)
    scenarios[`payload.findByID · ${tier}`] = () =>
      payload.findByID({ collection: 'posts', id, depth: 0 })
    scenarios[`payload.db.find · ${tier}`] = () => payload.db.find(adapterPageFind())
    scenarios[`payload.db.findOne · ${tier}`] = () => payload.db.findOne(adapterFindOne(id))
  }
  // Fill the cached instances' entries (KV puts run in the background) before timing hits.
  for (const op of Object.values(scenarios)) await op()
  await settled(kv)
  await settled(memory)

  resetCacheStats(kv)
  resetCacheStats(memory)
  const means: Record<string, number> = {}
  for (const [name, op] of Object.entries(scenarios))
    means[name] = await timeBatch(op, minOps, minMs)
  // Proof that the cached scenarios were hits: the misses here must stay 0.
  const totals = { kv: getCacheStats(kv).reads, memory: getCacheStats(memory).reads }
  return { means, totals }
}

let invalidating: Promise<{ cached: Payload; counting: CountingKV }> | undefined

async function invalidation(
  env: Env,
  body: { entries: number; run: number; putConcurrency: number },
) {
  const { plain, id } = await start(env)
  if (!invalidating) {
    const counting = countingKV(env.CACHE)
    invalidating = boot(env, 'kv', counting.kv).then((cached) => ({ cached, counting }))
  }
  const { cached, counting } = await invalidating
  return invalidationRun({ ...body, plain, cached, counting, kv: env.CACHE, id })
}

// The fixtures' `d1OverFetch` protocol: bytes and `undefined` are tagged to survive JSON.
const revive = (_key: string, value: unknown): unknown =>
  value && typeof value === 'object' && '$bytes' in value
    ? new Uint8Array((value as { $bytes: number[] }).$bytes).buffer
    : value && typeof value === 'object' && '$undefined' in value
      ? undefined
      : value
const replace = (_key: string, value: unknown): unknown =>
  value instanceof ArrayBuffer
    ? { $bytes: [...new Uint8Array(value)] }
    : ArrayBuffer.isView(value)
      ? { $bytes: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] }
      : value
const describe = (error: unknown): object =>
  error instanceof Error
    ? {
        name: error.name,
        message: error.message,
        ...(error.cause ? { cause: describe(error.cause) } : {}),
      }
    : { name: 'Error', message: String(error) }

type D1Request = {
  op: string
  statements?: Array<{ sql: string; params: unknown[] }>
  sql?: string
  options?: { column?: string; columnNames?: boolean }
}

async function d1(env: Env, body: D1Request): Promise<Response> {
  const { op, statements = [], sql, options } = body
  try {
    const prepared = statements.map((s) => env.D1.prepare(s.sql).bind(...s.params))
    const [first] = prepared
    const result =
      op === 'all'
        ? await first?.all()
        : op === 'run'
          ? await first?.run()
          : op === 'raw'
            ? await first?.raw(options as { columnNames: true })
            : op === 'first'
              ? await (options?.column === undefined
                  ? first?.first()
                  : first?.first(options.column))
              : op === 'batch'
                ? await env.D1.batch(prepared)
                : op === 'exec'
                  ? await env.D1.exec(sql ?? '')
                  : undefined
    return new Response(JSON.stringify({ result: result ?? null }, replace))
  } catch (error) {
    return new Response(JSON.stringify({ error: describe(error) }))
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url)
    const body = request.method === 'POST' ? JSON.parse(await request.text(), revive) : {}
    if (url.hostname === 'd1.fixture') return d1(env, body as D1Request)
    try {
      switch (url.pathname) {
        case '/seed': {
          const started = Date.now()
          const payload = await boot(env)
          const result = await seed(payload, { posts: (body as { posts: number }).posts })
          return Response.json({ posts: result.posts.length, ms: Date.now() - started })
        }
        case '/boot': {
          const { bootMs } = await start(env)
          return Response.json({ bootMs })
        }
        case '/reads': {
          const { minOps, minMs } = body as { minOps: number; minMs: number }
          return Response.json(await reads(env, minOps, minMs))
        }
        case '/production':
          return Response.json(await production(env, body as ProductionRequest))
        case '/invalidation':
          return Response.json(
            await invalidation(
              env,
              body as { entries: number; run: number; putConcurrency: number },
            ),
          )
        default:
          return new Response('not found', { status: 404 })
      }
    } catch (error) {
      return Response.json(
        { error: describe(error), stack: (error as Error).stack },
        { status: 500 },
      )
    }
  },
}
