import type { Payload } from 'payload'
import { flush, getCacheStats, resetCacheStats, settled, withKVCache } from 'payload-kv-cache'
import { prng } from 'payload-kv-cache-test-fixtures/seed'
import type { BenchConfig } from '../config.js'
import type { BenchDatabase } from '../databases.js'
import { missKV } from '../kvDoubles.js'
import { zipfQuery } from '../queries.js'

/**
 * The memory tier under a fixed byte budget: a Zipf-like workload (the k-th most popular of
 * `zipfQueries` distinct page queries is read with weight 1/k^s) through `payload.db.find` on
 * sqlite, with KV that never finds anything, so every read is a memory hit or a database read.
 * Memory used: the tier's own estimate (`getCacheStats(payload).memory.bytes`, 2 bytes a character
 * plus 64 a entry), and what the V8 heap really holds for it: `heapUsed` after a full GC with the
 * tier full, minus `heapUsed` after a full GC once `flush(payload)` has emptied it. (A before/after
 * delta of the whole workload is swamped by Payload's and drizzle's own allocations.) A run with
 * the tier off gives the database-only read time.
 */

export type MemoryPoint = {
  /** Budget in bytes; 0 = memory tier off (the control). */
  budget: number
  reads: number
  hitRate: number
  entries: number
  tierBytes: number
  /** Heap held by the tier: `heapUsed` (after GC) full minus emptied by `flush`. */
  heapBytes: number
  meanReadMs: number
}

/** `reads` query indexes drawn from a Zipf distribution over `queries` ranks. */
export const zipfSequence = (queries: number, reads: number, s: number, seed = 7): number[] => {
  const cumulative: number[] = []
  let total = 0
  for (let k = 1; k <= queries; k++) {
    total += 1 / k ** s
    cumulative.push(total)
  }
  const random = prng(seed)
  return Array.from({ length: reads }, () => {
    const target = random() * total
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] as number) < target) lo = mid + 1
      else hi = mid
    }
    return lo
  })
}

const heapAfterGC = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with node --expose-gc to measure the heap')
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

export async function memoryTier(
  config: BenchConfig,
  sqlite: BenchDatabase,
  log: (line: string) => void,
): Promise<{ points: MemoryPoint[]; distinctQueriesRead: number; bestPossibleHitRate: number }> {
  const sequence = zipfSequence(config.zipfQueries, config.zipfReads, config.zipfS)
  const distinct = new Set(sequence).size
  const points: MemoryPoint[] = []
  for (const budget of [0, ...config.memoryBudgets]) {
    log(`  memory tier: budget ${budget ? `${budget} bytes` : 'off (control)'}`)
    const payload: Payload = await sqlite.attach((f) =>
      withKVCache(f, missKV(), {
        namespace: `zipf-${budget}`,
        memory: budget ? { maxBytes: budget } : false,
      }),
    )
    await payload.db.find(zipfQuery(config.zipfQueries + 1)) // warm the code paths, not the tier
    await settled(payload)
    resetCacheStats(payload)
    const started = performance.now()
    for (const k of sequence) await payload.db.find(zipfQuery(k))
    const elapsed = performance.now() - started
    await settled(payload)
    const stats = getCacheStats(payload)
    const full = heapAfterGC()
    await flush(payload)
    const emptied = heapAfterGC()
    const reads = stats.total.hits.memory + stats.total.misses
    points.push({
      budget,
      reads,
      hitRate: stats.total.hits.memory / reads,
      entries: stats.memory.entries,
      tierBytes: stats.memory.bytes,
      heapBytes: full - emptied,
      meanReadMs: elapsed / sequence.length,
    })
  }
  return {
    points,
    distinctQueriesRead: distinct,
    bestPossibleHitRate: (sequence.length - distinct) / sequence.length,
  }
}
