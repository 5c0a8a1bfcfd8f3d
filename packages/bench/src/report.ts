import type { Results } from './results.js'
import { OPERATIONS } from './sections/reads.js'
import { fmt } from './timing.js'

/** A Markdown table; the same text is printed to the terminal and saved beside the JSON. */
const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`
const pct = (x: number) => `${(100 * x).toFixed(1)}%`

export function renderReport(results: Results): string {
  const out: string[] = []
  const { reads, workerd, overhead, invalidation, memory, targets } = results

  if (reads) {
    out.push(
      `### Read latency from Node (p50 / p95; medians of ${results.config.runs} runs; page = ${reads.pageBytes} chars serialized)`,
    )
    out.push(
      table(
        ['tier', ...OPERATIONS],
        Object.entries(reads.tiers).map(([tier, ops]) => [
          tier,
          ...OPERATIONS.map((op) => (ops[op] ? `${fmt(ops[op].p50)} / ${fmt(ops[op].p95)}` : '—')),
        ]),
      ),
    )
    out.push(
      `Misses while timing the cached tiers: KV ${reads.missesWhileTimed.kv}, memory ${reads.missesWhileTimed.memory}.`,
    )
  }

  if (workerd) {
    out.push(
      `### Inside workerd (mean per operation in batches of ≥ ${results.config.workerdBatchMs} ms; median of ${results.config.runs} rounds [min–max])`,
    )
    out.push(
      table(
        ['scenario', 'mean', 'rounds min–max'],
        Object.entries(workerd.means).map(([name, m]) => [
          name,
          fmt(m.mean),
          `${fmt(m.spread[0])} – ${fmt(m.spread[1])}`,
        ]),
      ),
    )
    out.push(
      `Misses while timing the cached instances: KV ${workerd.missesWhileTimed.kv}, memory ${workerd.missesWhileTimed.memory}.`,
    )
  }

  if (overhead) {
    out.push(
      `### Wrapper overhead (p50 of each; added = median of per-call differences, paired; medians of ${results.config.overheadRuns} runs)`,
    )
    out.push(
      table(
        ['scenario', 'bare p50', 'cached p50', 'added p50', 'added p95', 'added / bare'],
        Object.entries(overhead.scenarios).map(([name, o]) => [
          name,
          fmt(o.bare.p50),
          fmt(o.cached.p50),
          fmt(o.added.p50),
          fmt(o.added.p95),
          `${o.addedPercentOfBare.toFixed(1)}%`,
        ]),
      ),
    )
  }

  if (overhead) {
    const m = overhead.miss
    out.push('### Where a miss on sqlite spends its time (medians)')
    out.push(
      table(
        ['phase', 'time'],
        [
          ['bare db.find on the same adapter', fmt(m.bare)],
          ['cached: call → adapter invoked (key, tokens, SHA-256, KV get)', fmt(m.beforeDatabase)],
          ['cached: the adapter call', fmt(m.database)],
          [
            'cached: adapter answered → caller gets it (JSON.stringify, fill)',
            fmt(m.afterDatabase),
          ],
          ['crypto.subtle.digest SHA-256, tight loop', fmt(m.webCryptoDigest.tight)],
          [
            'crypto.subtle.digest SHA-256, after 2 ms of synchronous work',
            fmt(m.webCryptoDigest.afterBusyMain),
          ],
          ["node:crypto createHash('sha256')", fmt(m.nodeCreateHash)],
          ['JSON.stringify of the adapter result (10-doc page)', fmt(m.stringify.adapterResult)],
          ['JSON.stringify of a structuredClone of it', fmt(m.stringify.plainCopy)],
        ],
      ),
    )
  }

  if (invalidation) {
    out.push(
      '### Invalidation cost against cached entries (time: median of runs; KV operations of one invalidation)',
    )
    out.push(
      table(
        [
          'entries',
          'this project: time',
          'KV ops (puts of tokens)',
          'bare write',
          'stale after',
          'list-and-delete: time',
          'KV ops (list + delete)',
          'left',
        ],
        invalidation.map((p) => [
          String(p.entries),
          fmt(p.ours.ms),
          `${p.ours.ops.total} (${p.ours.ops.putToken} token puts, ${p.ours.ops.get} gets, ${p.ours.ops.list} lists, ${p.ours.ops.delete} deletes)`,
          fmt(p.ours.bareWriteMs),
          p.ours.staleAfterWrite ? 'yes' : 'NO',
          fmt(p.listAndDelete.ms),
          `${p.listAndDelete.ops.total} (${p.listAndDelete.ops.list} + ${p.listAndDelete.ops.delete})`,
          String(p.listAndDelete.remaining),
        ]),
      ),
    )
  }

  if (memory) {
    out.push(
      `### Memory tier under a byte budget (Zipf s=${results.config.zipfS}, ${results.config.zipfQueries} distinct queries, ${results.config.zipfReads} reads; ${memory.distinctQueriesRead} distinct read, best possible hit rate ${pct(memory.bestPossibleHitRate)})`,
    )
    out.push(
      table(
        ['budget', 'hit rate', 'entries', 'tier bytes (its estimate)', 'V8 heap held', 'mean read'],
        memory.points.map((p) => [
          p.budget ? kib(p.budget) : 'off (control)',
          p.budget ? pct(p.hitRate) : '—',
          String(p.entries),
          kib(p.tierBytes),
          p.budget ? kib(p.heapBytes) : '—',
          fmt(p.meanReadMs),
        ]),
      ),
    )
  }

  if (targets.length) {
    out.push('### Targets')
    out.push(
      table(
        ['target', 'measured', 'met'],
        targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'no']),
      ),
    )
  }
  return `${out.join('\n\n')}\n`
}
