/**
 * Sizes of the benchmark, each overridable by an environment variable (defaults keep one
 * `pnpm bench` under ~10 minutes on a 2-core machine). Every value used is written to the results.
 */

export const int = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number, got ${raw}`)
  return value
}

const ints = (name: string, fallback: number[]): number[] => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  return raw.split(',').map((part) => {
    const value = Number(part.trim())
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be whole numbers separated by commas, got ${raw}`)
    return value
  })
}

const num = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${raw}`)
  return value
}

export type BenchConfig = ReturnType<typeof readConfig>

export function readConfig() {
  return {
    /** Posts seeded into every database (plus authors, categories, comments, drafts, locales). */
    posts: int('BENCH_POSTS', 100),
    /** Runs of every latency scenario; results are medians over runs. */
    runs: int('BENCH_RUNS', 5),
    /** Timed operations per run for fast scenarios (local databases, cache hits). */
    iterations: int('BENCH_ITERATIONS', 200),
    /** Timed operations per run for slow scenarios (D1 and KV reached from Node through Miniflare). */
    slowIterations: int('BENCH_SLOW_ITERATIONS', 40),
    /** Milliseconds of each timed batch inside workerd (its clock has 1 ms resolution: batches are timed). */
    workerdBatchMs: int('BENCH_WORKERD_BATCH_MS', 300),
    /** Runs of the wrapper-overhead scenarios (CPU-only ones run `iterations × 10` per run). */
    overheadRuns: int('BENCH_OVERHEAD_RUNS', 7),
    /** Numbers of cached entries at which invalidation is measured. */
    invalidationEntries: ints('BENCH_INVALIDATION_ENTRIES', [1, 100, 10_000]),
    /** Repetitions of each invalidation measurement up to 1,000 entries. */
    invalidationRuns: int('BENCH_INVALIDATION_RUNS', 3),
    /** Repetitions above 1,000 entries (a list-and-delete of 10,000 takes ~30 s here). */
    invalidationRunsLarge: int('BENCH_INVALIDATION_RUNS_LARGE', 1),
    /** Concurrent KV puts when writing entries directly (above 100 entries). */
    putConcurrency: int('BENCH_PUT_CONCURRENCY', 100),
    /** Byte budgets of the memory tier for the Zipf workload. */
    memoryBudgets: ints('BENCH_MEMORY_BUDGETS', [256 * 1024, 1024 * 1024, 8 * 1024 * 1024]),
    /** Distinct queries in the Zipf workload. */
    zipfQueries: int('BENCH_ZIPF_QUERIES', 2_000),
    /** Reads in the Zipf workload, per budget. */
    zipfReads: int('BENCH_ZIPF_READS', 20_000),
    /** Zipf exponent: the k-th most popular query is read with weight 1/k^s. */
    zipfS: num('BENCH_ZIPF_S', 1),
    /**
     * Sections to run, comma-separated: reads, workerd, overhead, invalidation, memory, production
     * (with its replica variants), replicas (those alone).
     */
    sections: (process.env.BENCH_SECTIONS ?? 'reads,workerd,overhead,invalidation,memory')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  }
}
