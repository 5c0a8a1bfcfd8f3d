import type { CSSProperties, ReactNode } from 'react'
import type { KVCacheStatsResponse } from '../types.js'
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatUSD,
  projectMonthlyUSD,
  slugRows,
} from './figures.js'
import { HitsChart } from './HitsChart.js'

export type KVCacheFiguresProps = {
  stats: KVCacheStatsResponse
  /** The time to measure `since` against, in ms. Default `Date.now()`. */
  now?: number
}

const cell: CSSProperties = {
  padding: '6px 12px 6px 0',
  borderBottom: '1px solid var(--theme-elevation-100)',
  textAlign: 'right',
  fontVariantNumeric: 'tabular-nums',
}
const first: CSSProperties = { ...cell, textAlign: 'left' }
const table: CSSProperties = { borderCollapse: 'collapse', width: '100%', marginBottom: 32 }
const heading: CSSProperties = { marginTop: 'calc(var(--base) * 1.5)' }

/** hit rate, memory hits, KV hits, misses, bypasses, stores: the columns both read tables share. */
const readCells = (read: {
  hitRate: number
  hits: { memory: number; kv: number }
  misses: number
  bypasses: number
  stores: number
}): string[] => [
  formatPercent(read.hitRate),
  formatCount(read.hits.memory),
  formatCount(read.hits.kv),
  formatCount(read.misses),
  formatCount(read.bypasses),
  formatCount(read.stores),
]

const Table = ({ head, rows }: { head: string[]; rows: ReactNode[][] }) => (
  <table style={table}>
    <thead>
      <tr>
        {head.map((label, i) => (
          <th key={label} style={{ ...(i ? cell : first), fontWeight: 600 }}>
            {label}
          </th>
        ))}
      </tr>
    </thead>
    <tbody>
      {rows.map((row, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional and never reordered
        <tr key={r}>
          {row.map((value, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
            <td key={i} style={i ? cell : first}>
              {value}
            </td>
          ))}
        </tr>
      ))}
    </tbody>
  </table>
)

/**
 * The dashboard's figures, from a `KVCacheStatsResponse` alone: what the isolate counted, a chart
 * of lookups, reads per collection and global, and KV operations with their cost. Plain React
 * and SVG, so it renders anywhere (the tests render it to HTML).
 */
export const KVCacheFigures = ({ stats, now = Date.now() }: KVCacheFiguresProps) => {
  const rows = slugRows(stats)
  const { total, kv, cost, memory } = stats
  const monthly = projectMonthlyUSD(stats, now)
  const since = new Date(stats.since)
  const flushes = stats.invalidations['*'] ?? 0
  return (
    <div className="kv-cache-figures">
      <p data-kv-cache="per-isolate">
        These figures are this isolate&apos;s: what one Worker isolate (or one Node process) has
        counted in its own memory since it started, {formatDuration(now - since.getTime())} ago (
        {since.toISOString()}). Every isolate counts for itself and nothing here is added up across
        isolates, so a busy site&apos;s totals are higher; each refresh may be answered by a
        different isolate.
      </p>

      <h3 style={heading}>Reads</h3>
      <Table
        head={['', 'hit rate', 'memory hits', 'KV hits', 'misses', 'bypasses', 'stores']}
        rows={[['all collections and globals', ...readCells(total)]]}
      />
      <HitsChart rows={rows} />
      <Table
        head={[
          'collection / global',
          'hit rate',
          'memory hits',
          'KV hits',
          'misses',
          'bypasses',
          'stores',
          'invalidations',
        ]}
        rows={rows.map((row) => [
          <span key="slug">
            {row.slug} <small style={{ opacity: 0.6 }}>{row.kind}</small>
          </span>,
          ...readCells(row),
          formatCount(row.invalidations),
        ])}
      />
      <p>
        Bypasses are reads the cache did not look up: those of logged-in users (your own admin
        browsing, with the default authenticatedReads: &apos;database&apos;), reads inside
        transactions, and reads with caching turned off. Flushes: {formatCount(flushes)}. Memory
        tier: {formatCount(memory.entries)} entries, {formatBytes(memory.bytes)}.
      </p>

      <h3 style={heading}>KV operations and cost</h3>
      <Table
        head={['', 'reads', 'writes', 'deletes', 'lists', 'cost']}
        rows={[
          [
            'operations',
            formatCount(kv.operations.read),
            formatCount(kv.operations.write),
            formatCount(kv.operations.delete),
            formatCount(kv.operations.list),
            '',
          ],
          [
            'billed (reads per key)',
            formatCount(cost.reads),
            formatCount(cost.writes),
            formatCount(cost.deletes),
            formatCount(cost.lists),
            formatUSD(cost.usd),
          ],
          [
            'projected for 30 days',
            '',
            '',
            '',
            '',
            monthly === undefined ? 'after a minute' : formatUSD(monthly),
          ],
        ]}
      />
      <p>
        Cost at Cloudflare&apos;s paid Workers KV prices, before the free allowance, without
        storage; failed calls count too. The projection scales this isolate&apos;s cost since it
        started to 30 days. KV circuit: <strong data-kv-cache="circuit">{kv.circuit}</strong>
        {kv.circuit === 'open'
          ? ' (KV kept failing, so it is skipped for a while: reads go to the database)'
          : ''}
        ; errors {formatCount(kv.errors)}, timeouts {formatCount(kv.timeouts)}; read{' '}
        {formatBytes(kv.bytesRead)}, written {formatBytes(kv.bytesWritten)}.
      </p>
    </div>
  )
}
