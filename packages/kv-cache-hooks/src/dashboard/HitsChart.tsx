import { formatCount, formatPercent, lookups, type SlugRow } from './figures.js'

/** Payload's admin colours, so the chart follows the light and dark themes. */
const COLORS = {
  memory: 'var(--theme-success-600)',
  kv: 'var(--theme-success-300)',
  misses: 'var(--theme-error-400)',
  track: 'var(--theme-elevation-100)',
  text: 'var(--theme-text)',
} as const

const WIDTH = 720
const LABEL = 170
const RATE = 70
const BAR = WIDTH - LABEL - RATE
const ROW = 26
const LEGEND = 28

/**
 * Lookups per collection and global as stacked bars (memory hits, KV hits, misses), scaled to the
 * busiest one, with the hit rate at the end: where the cache earns its keep, at a glance.
 */
export const HitsChart = ({ rows }: { rows: SlugRow[] }) => {
  const shown = rows.filter((row) => lookups(row) > 0)
  if (!shown.length) return null
  const max = Math.max(...shown.map(lookups))
  const height = LEGEND + shown.length * ROW
  const legend: Array<[string, string]> = [
    ['memory hits', COLORS.memory],
    ['KV hits', COLORS.kv],
    ['misses', COLORS.misses],
  ]
  return (
    <svg
      role="img"
      aria-labelledby="kv-cache-chart-title"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      style={{ maxWidth: WIDTH, display: 'block', fontSize: 13 }}
    >
      <title id="kv-cache-chart-title">
        Cache lookups by collection and global: memory hits, KV hits and misses
      </title>
      {legend.map(([label, color], i) => (
        <g key={label} transform={`translate(${LABEL + i * 130}, 6)`}>
          <rect width={12} height={12} rx={2} style={{ fill: color }} />
          <text x={18} y={11} style={{ fill: COLORS.text }}>
            {label}
          </text>
        </g>
      ))}
      {shown.map((row, i) => {
        const y = LEGEND + i * ROW
        const scale = (count: number) => (count / max) * BAR
        const memory = scale(row.hits.memory)
        const kv = scale(row.hits.kv)
        const misses = scale(row.misses)
        return (
          <g key={row.slug} transform={`translate(0, ${y})`}>
            <title>
              {`${row.slug}: ${formatCount(row.hits.memory)} memory hits, ${formatCount(row.hits.kv)} KV hits, ${formatCount(row.misses)} misses`}
            </title>
            <text x={LABEL - 8} y={15} textAnchor="end" style={{ fill: COLORS.text }}>
              {row.slug}
            </text>
            <rect x={LABEL} y={3} width={BAR} height={16} rx={2} style={{ fill: COLORS.track }} />
            <rect x={LABEL} y={3} width={memory} height={16} style={{ fill: COLORS.memory }} />
            <rect x={LABEL + memory} y={3} width={kv} height={16} style={{ fill: COLORS.kv }} />
            <rect
              x={LABEL + memory + kv}
              y={3}
              width={misses}
              height={16}
              style={{ fill: COLORS.misses }}
            />
            <text x={WIDTH - 4} y={15} textAnchor="end" style={{ fill: COLORS.text }}>
              {formatPercent(row.hitRate)}
            </text>
          </g>
        )
      })}
    </svg>
  )
}
