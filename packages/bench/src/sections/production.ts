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
  } satisfies LatencyModel,
})

export const DESIGNS: Design[] = ['none', 'payload-kv-cache', 'list-and-delete', 'epoch-envelope']

/** The figures of one design at one `requestsPerIsolate`, as `production.json` holds them. */
export type ProductionPoint = {
  design: Design
  /** Set on variants: the option that differs from the package's defaults. */
  options?: { admission: 'reused' }
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
  }
}

export async function production(
  workerd: BenchWorkerd,
  posts: number,
  resultsDir: string,
  log: (line: string) => void,
) {
  const config = productionConfig()
  const run = (
    design: Design,
    requestsPerIsolate: number,
    admission?: ProductionRequest['admission'],
  ) =>
    workerd.call<ProductionRun>('/production', {
      design,
      requestsPerIsolate,
      pages: config.pages,
      writeEvery: config.writeEvery,
      posts,
      latency: config.latency,
      seed: 11,
      ...(admission ? { admission } : {}),
    } satisfies ProductionRequest)
  const points: ProductionPoint[] = []
  let uncached: ProductionPoint | undefined
  for (const requestsPerIsolate of config.requestsPerIsolate) {
    for (const design of DESIGNS) {
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
  // The admission variant, at every N: what writing only reused results to KV trades.
  const variants: ProductionPoint[] = []
  for (const requestsPerIsolate of config.requestsPerIsolate) {
    const point = pointOf(await run('payload-kv-cache', requestsPerIsolate, 'reused'))
    variants.push({ ...point, options: { admission: 'reused' } })
  }
  const none = points.find((p) => p.design === 'none')
  for (const point of [...points, ...variants]) {
    if (none?.dbQueriesPerPage) {
      point.dbQueriesAvoided = round(1 - point.dbQueriesPerPage / none.dbQueriesPerPage)
    }
  }
  const out = { config, points, variants }
  await writeFile(join(resultsDir, 'production.json'), `${JSON.stringify(out, null, 2)}\n`)
  const table = renderProduction([...points, ...variants])
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
    '$ / M pages',
    'stale (writing isolate)',
  ]
  const rows = points.map((p) => [
    p.requestsPerIsolate,
    p.options ? `${p.design} (admission: ${p.options.admission})` : p.design,
    `${Math.round((p.dbQueriesAvoided ?? 0) * 100)}%`,
    `${p.pageP50Ms} / ${p.pageP95Ms}`,
    p.dbQueriesPerPage,
    p.kvReadsBilledPerPage,
    `${Math.round(p.tokenReadShare * 100)}%`,
    p.kvWritesPer1000Pages,
    p.kvListsPer1000Pages,
    p.kvRoundTripsFreshHit,
    p.usdPerMillionPages,
    `${p.staleReads} of ${p.pagesCheckedAfterWrite}`,
  ])
  return `${[head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`
}
