/**
 * The production model (`BENCH_SECTIONS=production`): the demo's site workload inside workerd,
 * with latency injected per call, isolates that churn, and four designs side by side (see
 * `worker/production.ts`). Writes `results/production.json`: one object per design and
 * `requestsPerIsolate`.
 *
 * Latency defaults, each a BENCH_* variable:
 * - D1 a region away, `BENCH_D1_MS` [40]: one round trip from a Worker to a D1 primary in another
 *   region of the same continent (tens of ms; D1 runs each database in one location, and reads
 *   without read replication go to it).
 * - KV hot read, `BENCH_KV_HOT_MS` [5]: a key cached at this location (Cloudflare documents hot
 *   reads in single-digit milliseconds or less).
 * - KV cold read, `BENCH_KV_COLD_MS` [60]: a key not cached here, fetched from KV's central stores
 *   (tens of ms to ~100 ms); also a `list`.
 * - KV write, `BENCH_KV_WRITE_MS` [100]: a put or delete to the central store; off the page's
 *   critical path when it runs in `waitUntil`.
 * - Hot window, `BENCH_KV_HOT_WINDOW_MS` [60000]: KV's default `cacheTtl` at the edge (60 s).
 * - Cold tail, `BENCH_KV_COLD_TAIL_MS` [250] for `BENCH_KV_COLD_TAIL_PERCENT` [2] % of cold
 *   reads: Cloudflare publishes cold reads at p95 ≈ 50 ms and p99 ≈ 250 ms outside North America.
 * - KV takes one write a second per key: a put or delete that reaches a key sooner after the last
 *   one is refused with production's `429 Too Many Requests` (counted, not billed).
 * Designs: `BENCH_PRODUCTION_DESIGNS` [all four], comma-separated. Variants of `payload-kv-cache`
 * at every N (`BENCH_PRODUCTION_VARIANTS` [1]; 0 skips them): `admission: 'reused'`, and
 * `hedgeMs: false` (a miss waits for KV before asking the database).
 * Prices: Workers KV paid plan, reads $0.50 per million keys read (a bulk get bills every key),
 * writes, deletes and lists $5 per million. D1 and Workers request prices are the same for every
 * design and left out.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { int } from '../config.js'
import type { LatencyModel } from '../worker/latencyModels.js'
import type { Design, ProductionRequest, ProductionRun } from '../worker/production.js'
import type { BenchWorkerd } from '../workerd.js'

export const productionConfig = () => ({
  pages: int('BENCH_PRODUCTION_PAGES', 300),
  writeEvery: int('BENCH_PRODUCTION_WRITE_EVERY', 100),
  requestsPerIsolate: (process.env.BENCH_PRODUCTION_N ?? '1,10,100')
    .split(',')
    .map((n) => Number(n.trim())),
  latency: {
    d1Ms: int('BENCH_D1_MS', 40),
    kvHotMs: int('BENCH_KV_HOT_MS', 5),
    kvColdMs: int('BENCH_KV_COLD_MS', 60),
    kvWriteMs: int('BENCH_KV_WRITE_MS', 100),
    kvHotWindowMs: int('BENCH_KV_HOT_WINDOW_MS', 60_000),
    kvColdTailMs: int('BENCH_KV_COLD_TAIL_MS', 250),
    kvColdTailShare: int('BENCH_KV_COLD_TAIL_PERCENT', 2) / 100,
  } satisfies LatencyModel,
  designs: designsOf(process.env.BENCH_PRODUCTION_DESIGNS),
  variants: int('BENCH_PRODUCTION_VARIANTS', 1) === 1,
})

export const DESIGNS: Design[] = ['none', 'payload-kv-cache', 'list-and-delete', 'epoch-envelope']

const designsOf = (raw: string | undefined): Design[] => {
  if (raw === undefined || raw === '') return DESIGNS
  const names = raw.split(',').map((name) => name.trim())
  for (const name of names) {
    if (!DESIGNS.includes(name as Design)) {
      throw new Error(`BENCH_PRODUCTION_DESIGNS: ${name} is not one of ${DESIGNS.join(', ')}`)
    }
  }
  // In the table's order, whatever the variable's.
  return DESIGNS.filter((design) => names.includes(design))
}

/** The options of `payload-kv-cache` that its variants change. */
type Variant = Pick<ProductionRequest, 'admission' | 'hedgeMs'>
const VARIANTS: Variant[] = [{ admission: 'reused' }, { hedgeMs: false }]

/** The figures of one design at one `requestsPerIsolate`, as `production.json` holds them. */
export type ProductionPoint = {
  design: Design
  /** Set on variants: the option that differs from the package's defaults. */
  options?: Variant
  /** Share of the uncached design's database queries this design avoided. */
  dbQueriesAvoided?: number
  requestsPerIsolate: number
  pageP50Ms: number
  pageP95Ms: number
  dbQueriesPerPage: number
  kvReadsBilledPerPage: number
  tokenReadShare: number
  kvWritesPer1000Pages: number
  kvListsPer1000Pages: number
  kvRoundTripsFreshHit: number
  usdPerMillionPages: number
  staleReads: number
  pages: number
  isolates: number
  editorWrites: number
  pagesCheckedAfterWrite: number
  bootMsMean: number
  /** Puts and deletes KV refused with a 429 (another write to the key within the second). */
  kvRefusedPer1000Pages: number
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}
const round = (value: number, digits = 3) => Number(value.toFixed(digits))

export const pointOf = (run: ProductionRun): ProductionPoint => {
  const { kv, pages } = run
  const reads = kv.keysRead / pages
  const classA = (kv.puts + kv.deletes + kv.lists) / pages
  return {
    design: run.design,
    requestsPerIsolate: run.requestsPerIsolate,
    pageP50Ms: percentile(run.pageMs, 50),
    pageP95Ms: percentile(run.pageMs, 95),
    dbQueriesPerPage: round(run.dbQueries / pages),
    kvReadsBilledPerPage: round(reads),
    tokenReadShare: kv.keysRead ? round(kv.tokenKeysRead / kv.keysRead) : 0,
    kvWritesPer1000Pages: round(((kv.puts + kv.deletes) / pages) * 1000, 1),
    kvListsPer1000Pages: round((kv.lists / pages) * 1000, 1),
    kvRoundTripsFreshHit: run.kvRoundTripsFreshHit,
    usdPerMillionPages: round(reads * 0.5 + classA * 5, 2),
    staleReads: run.staleReads,
    pages,
    isolates: run.isolates,
    editorWrites: run.writes,
    pagesCheckedAfterWrite: run.checkedAfterWrite,
    bootMsMean: Math.round(run.bootMsMean),
    kvRefusedPer1000Pages: round((kv.refused / pages) * 1000, 1),
  }
}

export async function production(
  workerd: BenchWorkerd,
  posts: number,
  resultsDir: string,
  log: (line: string) => void,
) {
  const config = productionConfig()
  const run = (design: Design, requestsPerIsolate: number, variant: Variant = {}) =>
    workerd.call<ProductionRun>('/production', {
      design,
      requestsPerIsolate,
      pages: config.pages,
      writeEvery: config.writeEvery,
      posts,
      latency: config.latency,
      seed: 11,
      ...variant,
    } satisfies ProductionRequest)
  const points: ProductionPoint[] = []
  let uncached: ProductionPoint | undefined
  for (const requestsPerIsolate of config.requestsPerIsolate) {
    for (const design of config.designs) {
      // Without a cache an isolate keeps no state a page uses: one run stands for every N.
      if (design === 'none' && uncached) {
        points.push({ ...uncached, requestsPerIsolate })
        continue
      }
      const started = Date.now()
      const point = pointOf(await run(design, requestsPerIsolate))
      points.push(point)
      if (design === 'none') uncached = point
      log(
        `  ${design} N=${requestsPerIsolate}: p50 ${point.pageP50Ms} ms, ${point.dbQueriesPerPage} queries/page, ${point.kvReadsBilledPerPage} KV reads/page, ${point.kvWritesPer1000Pages} writes/1000, stale ${point.staleReads} (${Math.round((Date.now() - started) / 1000)} s)`,
      )
    }
  }
  // The variants, at every N: what writing only reused results to KV trades, and what the hedge
  // buys (without it a miss waits for KV, cold or not, before asking the database).
  const variants: ProductionPoint[] = []
  for (const options of config.variants ? VARIANTS : []) {
    for (const requestsPerIsolate of config.requestsPerIsolate) {
      const point = pointOf(await run('payload-kv-cache', requestsPerIsolate, options))
      variants.push({ ...point, options })
      log(
        `  payload-kv-cache (${variantName(options)}) N=${requestsPerIsolate}: p50 / p95 ${point.pageP50Ms} / ${point.pageP95Ms} ms, ${point.dbQueriesPerPage} queries/page`,
      )
    }
  }
  const none = points.find((p) => p.design === 'none')
  for (const point of [...points, ...variants]) {
    if (none?.dbQueriesPerPage) {
      point.dbQueriesAvoided = round(1 - point.dbQueriesPerPage / none.dbQueriesPerPage)
    }
  }
  const out = { config, points, variants }
  await writeFile(join(resultsDir, 'production.json'), `${JSON.stringify(out, null, 2)}\n`)
  const table = `${renderProduction([...points, ...variants])}\n${renderP95Target(points)}`
  await writeFile(join(resultsDir, 'production.md'), table)
  log(`\n${table}`)
  return out
}

/** The points as a Markdown table, one row per design and N. */
export const renderProduction = (points: ProductionPoint[]): string => {
  const head = [
    'N',
    'design',
    'DB queries avoided',
    'page p50 / p95 ms',
    'DB queries / page',
    'KV reads billed / page',
    'token share',
    'KV writes / 1000 pages',
    'KV lists / 1000',
    'KV round trips, fresh hit',
    'KV writes refused (429) / 1000 pages',
    '$ / M pages',
    'stale (writing isolate)',
  ]
  const rows = points.map((p) => [
    p.requestsPerIsolate,
    p.options ? `${p.design} (${variantName(p.options)})` : p.design,
    `${Math.round((p.dbQueriesAvoided ?? 0) * 100)}%`,
    `${p.pageP50Ms} / ${p.pageP95Ms}`,
    p.dbQueriesPerPage,
    p.kvReadsBilledPerPage,
    `${Math.round(p.tokenReadShare * 100)}%`,
    p.kvWritesPer1000Pages,
    p.kvListsPer1000Pages,
    p.kvRoundTripsFreshHit,
    p.kvRefusedPer1000Pages,
    p.usdPerMillionPages,
    `${p.staleReads} of ${p.pagesCheckedAfterWrite}`,
  ])
  return `${[head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`
}

const variantName = (options: Variant) =>
  Object.entries(options)
    .map(([name, value]) => `${name}: ${value}`)
    .join(', ')

/** Issue 21's target, one line per N: the cached page's p95 no higher than the uncached one's. */
export const renderP95Target = (points: ProductionPoint[]): string => {
  const none = points.find((p) => p.design === 'none')
  if (!none) return ''
  return points
    .filter((p) => p.design === 'payload-kv-cache' && !p.options)
    .map(
      (p) =>
        `- N = ${p.requestsPerIsolate}: payload-kv-cache page p95 ${p.pageP95Ms} ms, uncached ${none.pageP95Ms} ms: ${p.pageP95Ms <= none.pageP95Ms ? 'met' : 'not met'} (cached p95 ≤ uncached p95)\n`,
    )
    .join('')
}
