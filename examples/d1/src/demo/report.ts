import type { DemoCacheStats } from './cacheStats.js'
import type { KVCalls } from './countingKV.js'

/** Workers KV prices on the paid plan, US dollars per million operations. */
export const kvPricePerMillion = { read: 0.5, write: 5, delete: 5, list: 5 } as const

export type Latencies = { cached: number[]; uncached: number[] }

export type DemoResult = {
  /** Median round trip from Node to local workerd, in ms, for context. */
  roundTrip: { d1: number; kv: number }
  /** The workload stopped at its time budget before `requests` were made. */
  stoppedEarly: boolean
  posts: number
  requests: number
  reads: number
  edits: number
  isolates: number
  latency: Latencies & { byKind: Map<string, Latencies> }
  stats: DemoCacheStats
  binding: KVCalls
  staleReads: number
  seconds: number
}

export const percentile = (values: number[], p: number): number => {
  if (!values.length) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    Number.NaN
  )
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '-')
const ms = (value: number) =>
  Number.isNaN(value) ? '-' : value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`
const usd = (value: number) => `$${value.toFixed(value < 1 ? 3 : 2)}`

const table = (rows: (string | number)[][], align: ('l' | 'r')[]): string => {
  const widths = align.map((_, i) => Math.max(...rows.map((row) => String(row[i] ?? '').length)))
  return rows
    .map((row, r) => {
      const line = row
        .map((cell, i) =>
          align[i] === 'r'
            ? String(cell).padStart(widths[i] ?? 0)
            : String(cell).padEnd(widths[i] ?? 0),
        )
        .join('  ')
      return r === 0 ? `${line}\n${widths.map((w) => '─'.repeat(w)).join('  ')}` : line
    })
    .join('\n')
}

/** The demo's report, as printed. */
export const formatReport = (result: DemoResult): string => {
  const { stats, latency } = result
  const lookups = stats.hits.memory + stats.hits.kv + stats.misses
  const perMillion = (count: number, price: number) => (count / result.requests) * price
  // Billed operations: KV bills a bulk get per key read, so reads are priced from the keys the
  // binding saw; the cache's statistics count operations (a bulk get is one).
  const billed = {
    read: result.binding.readKeys,
    write: stats.kv.write,
    delete: stats.kv.delete,
    list: stats.kv.list,
  }
  const ops = ['read', 'write', 'delete', 'list'] as const
  const kvRows = ops.map((op) => [
    op,
    stats.kv[op],
    billed[op],
    (billed[op] / result.requests).toFixed(3),
    usd(perMillion(billed[op], kvPricePerMillion[op])),
  ])
  const kvTotal = ops.reduce((sum, op) => sum + perMillion(billed[op], kvPricePerMillion[op]), 0)
  const invalidations = Object.entries(stats.invalidations).sort(([a], [b]) => a.localeCompare(b))
  const bindingAgrees = ops.every((op) => result.binding[op] === stats.kv[op])

  return [
    `payload-kv-cache demo: Payload on local D1 + KV (workerd through wrangler's platform proxy)`,
    `${result.posts} posts seeded · ${result.requests} requests (${result.reads} reads, ${result.edits} edits)${result.stoppedEarly ? ' (time budget reached)' : ''} · ${result.isolates} isolates in turn · ${result.seconds.toFixed(1)} s in all`,
    `From Node, a D1 query costs ${ms(result.roundTrip.d1)} and a KV get ${ms(result.roundTrip.kv)} here (a loopback HTTP round trip to workerd each;`,
    `inside a Worker a KV get is ~0.5 ms). So KV hits save little from Node; the memory tier and remote databases are where it pays.`,
    '',
    table(
      [
        ['Cache lookups (adapter reads)', 'count', 'share'],
        ['memory tier hits', stats.hits.memory, pct(stats.hits.memory, lookups)],
        ['KV hits', stats.hits.kv, pct(stats.hits.kv, lookups)],
        ['misses (read from D1)', stats.misses, pct(stats.misses, lookups)],
        [
          'hit rate',
          stats.hits.memory + stats.hits.kv,
          pct(stats.hits.memory + stats.hits.kv, lookups),
        ],
        ['not cached (bypassed)', stats.bypasses, ''],
        ['entries stored', stats.stores, ''],
      ],
      ['l', 'r', 'r'],
    ),
    '',
    table(
      [
        [
          'Read latency per request',
          'p50 cached',
          'p50 uncached',
          'p95 cached',
          'p95 uncached',
          'count',
        ],
        [
          'all reads',
          ms(percentile(latency.cached, 50)),
          ms(percentile(latency.uncached, 50)),
          ms(percentile(latency.cached, 95)),
          ms(percentile(latency.uncached, 95)),
          latency.cached.length,
        ],
        ...[...latency.byKind].map(([kind, l]) => [
          `  ${kind}`,
          ms(percentile(l.cached, 50)),
          ms(percentile(l.uncached, 50)),
          ms(percentile(l.cached, 95)),
          ms(percentile(l.uncached, 95)),
          l.cached.length,
        ]),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    table(
      [
        ['KV operations', 'operations', 'billed', 'billed per request', 'cost per 1M requests'],
        ...kvRows,
        ['total', '', '', '', usd(kvTotal)],
      ],
      ['l', 'r', 'r', 'r', 'r'],
    ),
    `  Workers paid plan: reads $0.50/M, writes, deletes and lists $5.00/M; a bulk get is billed per key.`,
    `  Calls seen at the KV binding: ${result.binding.read} get (${result.binding.readKeys} keys), ${result.binding.write} put, ${result.binding.delete} delete, ${result.binding.list} list: ${bindingAgrees ? 'the same as the cache statistics' : 'DIFFERENT from the cache statistics'}.`,
    '',
    `Invalidations: ${invalidations.reduce((sum, [, n]) => sum + n, 0)} (${invalidations.map(([slug, n]) => `${slug} ${n}`).join(', ') || 'none'})`,
    `Stale reads: ${result.staleReads} of ${result.reads} cached answers differed from an uncached Payload on the same database${result.staleReads ? '  <-- FAIL' : ''}`,
  ].join('\n')
}
