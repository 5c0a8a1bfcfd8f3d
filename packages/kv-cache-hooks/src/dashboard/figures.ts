import type { KVCacheStatsResponse } from '../types.js'

/** One collection's or global's reads, over every read operation, and its invalidations. */
export type SlugRow = {
  slug: string
  kind: 'collection' | 'global'
  hits: { memory: number; kv: number }
  misses: number
  bypasses: number
  stores: number
  /** hits / (hits + misses), 0 when nothing was looked up. */
  hitRate: number
  invalidations: number
}

/** The rows of the dashboard's table and chart, most looked-up first. */
export const slugRows = (stats: KVCacheStatsResponse): SlugRow[] => {
  const slugs = new Set([
    ...Object.keys(stats.reads),
    ...Object.keys(stats.invalidations).filter((slug) => slug !== '*'),
  ])
  const rows = [...slugs].map((slug): SlugRow => {
    const row: SlugRow = {
      slug,
      kind: stats.globals.includes(slug) ? 'global' : 'collection',
      hits: { memory: 0, kv: 0 },
      misses: 0,
      bypasses: 0,
      stores: 0,
      hitRate: 0,
      invalidations: stats.invalidations[slug] ?? 0,
    }
    for (const read of Object.values(stats.reads[slug] ?? {})) {
      row.hits.memory += read.hits.memory
      row.hits.kv += read.hits.kv
      row.misses += read.misses
      row.bypasses += read.bypasses
      row.stores += read.stores
    }
    const looked = lookups(row)
    row.hitRate = looked ? (row.hits.memory + row.hits.kv) / looked : 0
    return row
  })
  return rows.sort((a, b) => lookups(b) - lookups(a) || a.slug.localeCompare(b.slug))
}

/** Reads that looked in the cache: hits in either tier and misses (bypasses never look). */
export const lookups = (row: Pick<SlugRow, 'hits' | 'misses'>): number =>
  row.hits.memory + row.hits.kv + row.misses

const MONTH_MS = 30 * 24 * 60 * 60 * 1000
/** Below this much counting time, a projection to a month says nothing. */
const MIN_PROJECTION_MS = 60 * 1000

/**
 * `cost.usd` scaled from the time these counters have run (`since` to `now`) to 30 days, as if
 * traffic stayed as it was; `undefined` before a minute has passed. One isolate's share only.
 */
export const projectMonthlyUSD = (
  stats: KVCacheStatsResponse,
  now: number = Date.now(),
): number | undefined => {
  const elapsed = now - Date.parse(stats.since)
  if (!(elapsed >= MIN_PROJECTION_MS)) return undefined
  return (stats.cost.usd * MONTH_MS) / elapsed
}

export const formatUSD = (usd: number): string => {
  if (usd === 0) return '$0'
  if (usd < 0.01) return `$${usd.toPrecision(2)}`
  return `$${usd.toFixed(2)}`
}

export const formatPercent = (rate: number): string => `${(rate * 100).toFixed(1)}%`

export const formatCount = (count: number): string => count.toLocaleString('en-US')

export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** How long ago `since` was, coarsely: `"42 s"`, `"12 min"`, `"3.5 h"`, `"2.1 days"`. */
export const formatDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`
  return `${(seconds / 86400).toFixed(1)} days`
}
