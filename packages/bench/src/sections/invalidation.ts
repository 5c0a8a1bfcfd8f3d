import type { BenchConfig } from '../config.js'
import { median, sleep } from '../timing.js'
import type { InvalidationRun } from '../worker/invalidationRun.js'
import type { BenchWorkerd } from '../workerd.js'

/**
 * Invalidation cost against the number of cached entries, inside workerd on Miniflare's KV binding
 * (the Worker's Payload on D1): this project's token puts vs list-and-delete by prefix. One
 * measurement is described in `worker/invalidationRun.ts`; this runs it `invalidationRuns` times
 * per entry count (`invalidationRunsLarge` times above 1,000 entries), one second apart (KV takes about one write a second to one key, and the cache
 * spaces its token puts accordingly), and keeps the medians.
 */

export type InvalidationPoint = {
  entries: number
  ours: InvalidationRun['ours']
  listAndDelete: InvalidationRun['listAndDelete']
  /** Repetitions behind the medians (times are medians; operation counts are from the last run). */
  runs: number
  populateMs: number
}

const TOKEN_SPACING_MS = 1_100

export async function invalidation(
  config: BenchConfig,
  workerd: BenchWorkerd,
  log: (line: string) => void,
): Promise<InvalidationPoint[]> {
  const points: InvalidationPoint[] = []
  let lastWrite = 0
  for (const entries of config.invalidationEntries) {
    const runs: InvalidationRun[] = []
    const repetitions = entries > 1000 ? config.invalidationRunsLarge : config.invalidationRuns
    for (let run = 0; run < repetitions; run++) {
      log(`  invalidation: ${entries} entries, run ${run + 1}/${repetitions}`)
      const wait = lastWrite + TOKEN_SPACING_MS - Date.now()
      if (wait > 0) await sleep(wait)
      runs.push(
        await workerd.call<InvalidationRun>('/invalidation', {
          entries,
          run,
          putConcurrency: config.putConcurrency,
        }),
      )
      lastWrite = Date.now()
    }
    const last = runs[runs.length - 1] as InvalidationRun
    points.push({
      entries,
      ours: {
        ms: median(runs.map((r) => r.ours.ms)),
        bareWriteMs: median(runs.map((r) => r.ours.bareWriteMs)),
        ops: last.ours.ops,
        staleAfterWrite: runs.every((r) => r.ours.staleAfterWrite),
      },
      listAndDelete: {
        ms: median(runs.map((r) => r.listAndDelete.ms)),
        ops: last.listAndDelete.ops,
        remaining: Math.max(...runs.map((r) => r.listAndDelete.remaining)),
        ...(last.listAndDelete.error ? { error: last.listAndDelete.error } : {}),
      },
      runs: runs.length,
      populateMs: median(runs.map((r) => r.populateMs)),
    })
  }
  return points
}
