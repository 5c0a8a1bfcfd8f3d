/**
 * The production model behind D1 read replicas (part of `BENCH_SECTIONS=production`): the same
 * workload with `readReplicas: 'first-primary'` on Payload's D1 adapter and a replica in the
 * isolate's location that has each write `BENCH_REPLICA_LAG_MS` after it was made (see
 * `worker/replicaLag.ts`), beside the same design without replicas. What the cache's handling of
 * the lag adds: bytes in KV (each token carries its writer's bookmark, so every token read and
 * every entry's identity grows), misses that first move their session to a writer's bookmark or
 * read the primary, and queries by instance.
 *
 * - `BENCH_REPLICA_LAG_MS` [1000]: how late the replica has a write (Cloudflare's published probes:
 *   p50 ≈ 0.8 s, p99 ≈ 6 s); a comma-separated list runs each.
 * - `BENCH_D1_REPLICA_MS` [5]: one round trip to the replica in this location.
 * - `BENCH_REPLICA_WRITE_EVERY` [20]: one editor write every this many pages, more often than the
 *   production model's default, so that misses under fresh writes are many enough to count.
 * The runs use their own seed (12), so their KV namespaces are their own.
 */

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProductionRequest, ProductionRun } from '../worker/production.js'
import type { BenchWorkerd } from '../workerd.js'
import { type ProductionPoint, pointOf, productionConfig } from './production.js'

const list = (name: string, fallback: number[]): number[] => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  return raw.split(',').map((part) => {
    const value = Number(part.trim())
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be whole numbers separated by commas, got ${raw}`)
    return value
  })
}

export const replicaConfig = () => ({
  replicaLagMs: list('BENCH_REPLICA_LAG_MS', [1000]),
  replicaMs: list('BENCH_D1_REPLICA_MS', [5])[0] as number,
  writeEvery: list('BENCH_REPLICA_WRITE_EVERY', [20])[0] as number,
  seed: 12,
})

const round = (value: number, digits = 3) => Number(value.toFixed(digits))

/** The figures of a replica run (or its baseline), per page. */
export type ReplicaPoint = ProductionPoint & {
  replicaLagMs?: number
  /** Of the queries the lagging double saw (boots and editor writes included), the primary's share. */
  primaryQueryShare?: number
  kvBytesReadPerPage?: number
  kvBytesWrittenPer1000Pages?: number
  missesPerPage?: number
  /** Misses that moved their session to a writer's bookmark, or read the primary, per 1000 pages. */
  bookmarkMovesPer1000Pages?: number
  primaryReadsPer1000Pages?: number
}

const replicaPointOf = (run: ProductionRun): ReplicaPoint => {
  const point: ReplicaPoint = pointOf(run)
  const { cache, replica, pages } = run
  if (cache) {
    point.kvBytesReadPerPage = Math.round(cache.kvBytesRead / pages)
    point.kvBytesWrittenPer1000Pages = Math.round((cache.kvBytesWritten / pages) * 1000)
    point.missesPerPage = round(cache.misses / pages)
    point.bookmarkMovesPer1000Pages = round((cache.lag.bookmark / pages) * 1000, 1)
    point.primaryReadsPer1000Pages = round((cache.lag.primary / pages) * 1000, 1)
  }
  if (replica) {
    point.replicaLagMs = replica.replicaLagMs
    const all = replica.primaryQueries + replica.replicaQueries
    point.primaryQueryShare = all ? round(replica.primaryQueries / all) : 0
  }
  return point
}

/**
 * Runs the cache without replicas and behind each replica lag, at every `requestsPerIsolate` of
 * the production model; writes `results/replicas.json` and `results/replicas.md`.
 */
export async function replicaLag(
  workerd: BenchWorkerd,
  posts: number,
  resultsDir: string,
  log: (line: string) => void,
): Promise<ReplicaPoint[]> {
  const production = productionConfig()
  const config = replicaConfig()
  const request: Omit<ProductionRequest, 'design' | 'requestsPerIsolate'> = {
    pages: production.pages,
    writeEvery: config.writeEvery,
    posts,
    latency: production.latency,
    seed: config.seed,
  }
  const points: ReplicaPoint[] = []
  for (const n of production.requestsPerIsolate) {
    for (const lag of [undefined, ...config.replicaLagMs]) {
      const started = Date.now()
      const run = await workerd.call<ProductionRun>('/production', {
        ...request,
        design: 'payload-kv-cache',
        requestsPerIsolate: n,
        ...(lag === undefined ? {} : { replicaLagMs: lag, replicaMs: config.replicaMs }),
      } satisfies ProductionRequest)
      const point = replicaPointOf(run)
      points.push(point)
      log(
        `  payload-kv-cache N=${n} ${lag === undefined ? 'no replicas' : `replica ${lag} ms behind`}: p50 ${point.pageP50Ms} ms, ${point.kvBytesReadPerPage} KV bytes read/page, ${point.bookmarkMovesPer1000Pages} bookmark moves + ${point.primaryReadsPer1000Pages} primary reads /1000 pages, stale ${point.staleReads} (${Math.round((Date.now() - started) / 1000)} s)`,
      )
    }
  }
  const table = renderReplicas(points)
  const out = { config: { ...production, ...config }, points }
  await writeFile(join(resultsDir, 'replicas.json'), `${JSON.stringify(out, null, 2)}\n`)
  await writeFile(join(resultsDir, 'replicas.md'), table)
  log(`\n${table}`)
  return points
}

export const renderReplicas = (points: ReplicaPoint[]): string => {
  const head = [
    'N',
    'D1 read replicas',
    'page p50 / p95 ms',
    'DB queries / page (share on the primary)',
    'misses / page',
    'bookmark moves / 1000 pages',
    'primary-first reads / 1000 pages',
    'KV bytes read / page',
    'KV bytes written / 1000 pages',
    'KV reads billed / page',
    'stale (writing isolate)',
  ]
  const rows = points.map((p) => [
    p.requestsPerIsolate,
    p.replicaLagMs === undefined ? 'none' : `replica ${p.replicaLagMs} ms behind`,
    `${p.pageP50Ms} / ${p.pageP95Ms}`,
    `${p.dbQueriesPerPage} (${Math.round((p.primaryQueryShare ?? 1) * 100)}%)`,
    p.missesPerPage ?? '',
    p.bookmarkMovesPer1000Pages ?? '',
    p.primaryReadsPer1000Pages ?? '',
    p.kvBytesReadPerPage ?? '',
    p.kvBytesWrittenPer1000Pages ?? '',
    p.kvReadsBilledPerPage,
    `${p.staleReads} of ${p.pagesCheckedAfterWrite}`,
  ])
  return `${[head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`
}
