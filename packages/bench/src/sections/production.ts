/**
 * The production model (`BENCH_SECTIONS=production`): the demo's site workload inside workerd,
 * with latency injected per call, isolates that churn, and four designs side by side (see
 * `worker/production.ts`). Writes `results/production.json` (one object per design and
 * `requestsPerIsolate`, the variants', and the failure scenarios' phases) and `production.md`
 * (the tables).
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
 * Failure scenarios (`BENCH_PRODUCTION_FAULTS` [1]; 0 skips them), for `none` and
 * `payload-kv-cache`: one more run each, at N = a third of the pages (100) so that an isolate lives
 * through each fault with what it had cached, in which D1 refuses every read with its free plan's
 * daily row read limit error for pages 40–53 % of the run (120–159 of 300), and KV answers no call
 * (each hangs; the cache's `timeoutMs`, 1 s, ends its wait) for pages 70–83 % (210–249); editors
 * save every `BENCH_PRODUCTION_WRITE_EVERY` pages as in the other runs. Every page is compared with
 * the database right after it. A table per design, one row per phase.
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
import type { Design, Faults, ProductionRequest, ProductionRun } from '../worker/production.js'
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
  faults: int('BENCH_PRODUCTION_FAULTS', 1) === 1,
})

/** The failure scenarios' pages for a run of `pages` (120–159 and 210–249 of 300), and their N. */
export const faultsFor = (pages: number): { faults: Faults; requestsPerIsolate: number } => {
  const at = (of300: number) => Math.round((pages * of300) / 300)
  return {
    faults: { d1Down: [at(120), at(160)], kvDown: [at(210), at(250)] },
    requestsPerIsolate: Math.max(1, at(100)),
  }
}

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
  /** Editor saves that threw (a design's KV work refused after the database's write, say). */
  editorSaveErrors: number
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
    editorSaveErrors: run.saveErrors,
    pagesCheckedAfterWrite: run.checkedAfterWrite,
    bootMsMean: Math.round(run.bootMsMean),
    kvRefusedPer1000Pages: round((kv.refused / pages) * 1000, 1),
  }
}

/** What a design did through the failure scenarios: one row per phase. */
export type FaultPoint = {
  design: Design
  phase: 'before' | 'D1 refusing reads' | 'after D1' | 'KV not answering' | 'after KV'
  /** Pages `[from, to)`. */
  from: number
  to: number
  /** Pages that failed: a read threw. */
  failed: number
  /** Reads `staleIfError` answered with an older entry instead of the database's error. */
  staleIfErrorAnswers: number
  /** Pages whose answer differed from the database's, read right after them. */
  differed: number
  /** Of the pages answered. */
  pageP50Ms: number
  pageP95Ms: number
  /** Refused queries included. */
  dbQueriesPerPage: number
}

/** Splits a run with faults into its phases. */
export const faultPointsOf = (run: ProductionRun, faults: Faults): FaultPoint[] => {
  const [d1From, d1To] = faults.d1Down ?? [0, 0]
  const [kvFrom, kvTo] = faults.kvDown ?? [d1To, d1To]
  const phases: Array<[FaultPoint['phase'], number, number]> = [
    ['before', 0, d1From],
    ['D1 refusing reads', d1From, d1To],
    ['after D1', d1To, kvFrom],
    ['KV not answering', kvFrom, kvTo],
    ['after KV', kvTo, run.pageMs.length],
  ]
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
  return phases.map(([phase, from, to]) => {
    const answered = run.pageMs.slice(from, to).filter((_, i) => run.pageOk[from + i])
    return {
      design: run.design,
      phase,
      from,
      to,
      failed: run.pageOk.slice(from, to).filter((ok) => !ok).length,
      staleIfErrorAnswers: sum(run.pageStaleIfError.slice(from, to)),
      differed: run.pageStale.slice(from, to).filter(Boolean).length,
      pageP50Ms: percentile(answered, 50),
      pageP95Ms: percentile(answered, 95),
      dbQueriesPerPage: round(sum(run.pageDb.slice(from, to)) / Math.max(1, to - from)),
    }
  })
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
    variant: Pick<ProductionRequest, 'admission' | 'hedgeMs' | 'faults'> = {},
  ) =>
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
  // The failure scenarios: the database refusing reads, then KV not answering.
  const faultPoints: FaultPoint[] = []
  const faultRuns: Array<{ design: Design; staleIfErrorMaxAgeMs: number }> = []
  const { faults, requestsPerIsolate: faultN } = faultsFor(config.pages)
  const withFaults = config.designs.filter((d) => d === 'none' || d === 'payload-kv-cache')
  for (const design of config.faults ? withFaults : []) {
    const started = Date.now()
    const faulted = await run(design, faultN, { faults })
    const phases = faultPointsOf(faulted, faults)
    faultPoints.push(...phases)
    faultRuns.push({ design, staleIfErrorMaxAgeMs: faulted.staleIfErrorMaxAgeMs })
    log(
      `  ${design} with faults, N=${faultN}: ${phases.map((p) => `${p.phase} ${p.failed} failed`).join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`,
    )
  }
  const none = points.find((p) => p.design === 'none')
  for (const point of [...points, ...variants]) {
    if (none?.dbQueriesPerPage) {
      point.dbQueriesAvoided = round(1 - point.dbQueriesPerPage / none.dbQueriesPerPage)
    }
  }
  const out = {
    config,
    points,
    variants,
    faults: { ...faults, requestsPerIsolate: faultN, points: faultPoints, runs: faultRuns },
  }
  await writeFile(join(resultsDir, 'production.json'), `${JSON.stringify(out, null, 2)}\n`)
  const tables = [
    renderProduction([...points, ...variants]),
    renderP95Target(points),
    ...faultRuns.map(({ design, staleIfErrorMaxAgeMs }) =>
      renderFaults(
        design,
        faultN,
        faultPoints.filter((p) => p.design === design),
        staleIfErrorMaxAgeMs,
      ),
    ),
  ]
  const table = tables.filter(Boolean).join('\n')
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
    'editor saves that threw',
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
    p.editorSaveErrors,
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

/** One design's run with faults as a Markdown table, one row per phase. */
export const renderFaults = (
  design: Design,
  requestsPerIsolate: number,
  points: FaultPoint[],
  staleIfErrorMaxAgeMs: number,
): string => {
  const head = [
    'phase',
    'pages',
    'pages failed',
    'staleIfError answers',
    'pages ≠ database',
    'page p50 / p95 ms (answered)',
    'DB queries / page',
  ]
  const rows = points.map((p) => [
    p.phase,
    `${p.from}–${p.to - 1}`,
    p.failed,
    p.staleIfErrorAnswers,
    p.differed,
    p.failed === p.to - p.from ? '–' : `${p.pageP50Ms} / ${p.pageP95Ms}`,
    p.dbQueriesPerPage,
  ])
  const oldest = points.some((p) => p.staleIfErrorAnswers)
    ? ` The oldest entry staleIfError answered with was ${(staleIfErrorMaxAgeMs / 1000).toFixed(1)} s old.`
    : ''
  return `${design} with faults (N = ${requestsPerIsolate}):${oldest}\n\n${[head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`
}
