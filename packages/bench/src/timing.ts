/**
 * Timing. Each scenario runs `runs` times, interleaved with the other scenarios of its section so
 * that a burst of load from another process on this 2-core machine lands on all of them alike.
 * A run yields its own p50 and p95; a scenario reports the median of those over its runs, and the
 * spread (min–max of the run p50s) to show how stable it was.
 */

export type RunStats = { p50: number; p95: number; mean: number; n: number }

/** What a scenario reports, in milliseconds. */
export type Summary = {
  /** Median over runs of each run's p50. */
  p50: number
  /** Median over runs of each run's p95 (absent where per-operation timing is impossible). */
  p95?: number
  /** Median over runs of each run's mean. */
  mean: number
  /** Lowest and highest run p50. */
  spread: [number, number]
  runs: number
  /** Operations timed per run. */
  perRun: number
}

export const percentile = (sorted: number[], p: number): number => {
  if (!sorted.length) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] as number
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export const runStats = (samples: number[]): RunStats => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    n: samples.length,
  }
}

export const summarize = (runs: RunStats[], withP95 = true): Summary => {
  const p50s = runs.map((r) => r.p50)
  return {
    p50: median(p50s),
    ...(withP95 ? { p95: median(runs.map((r) => r.p95)) } : {}),
    mean: median(runs.map((r) => r.mean)),
    spread: [Math.min(...p50s), Math.max(...p50s)],
    runs: runs.length,
    perRun: runs[0]?.n ?? 0,
  }
}

/** Times `iterations` sequential calls of `op`, each on its own (milliseconds, µs resolution). */
export async function timeEach(
  iterations: number,
  op: (i: number) => Promise<unknown> | unknown,
): Promise<number[]> {
  const samples: number[] = new Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const start = performance.now()
    await op(i)
    samples[i] = performance.now() - start
  }
  return samples
}

/**
 * Runs every scenario `runs` times, round-robin (A B C, A B C, ...), after one untimed warm-up
 * pass, and summarizes each.
 */
export async function interleaved(
  scenarios: Array<{
    name: string
    iterations: number
    op: (i: number) => Promise<unknown> | unknown
  }>,
  runs: number,
  { warmup = 5, onRun }: { warmup?: number; onRun?: (run: number) => void } = {},
): Promise<Record<string, Summary>> {
  for (const scenario of scenarios)
    await timeEach(Math.min(warmup, scenario.iterations), scenario.op)
  const collected = new Map<string, RunStats[]>(scenarios.map((s) => [s.name, []]))
  for (let run = 0; run < runs; run++) {
    onRun?.(run)
    for (const scenario of scenarios) {
      collected.get(scenario.name)?.push(runStats(await timeEach(scenario.iterations, scenario.op)))
    }
  }
  return Object.fromEntries(scenarios.map((s) => [s.name, summarize(collected.get(s.name) ?? [])]))
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Formats milliseconds for a table: µs below 1 ms. */
export const fmt = (ms: number | undefined): string => {
  if (ms === undefined || Number.isNaN(ms)) return '—'
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`
  if (ms < 100) return `${ms.toFixed(2)} ms`
  return `${ms.toFixed(0)} ms`
}
