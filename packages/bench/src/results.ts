import type { BenchConfig } from './config.js'
import type { describeMachine } from './machine.js'
import type { InvalidationPoint } from './sections/invalidation.js'
import type { MemoryPoint } from './sections/memoryTier.js'
import type { Overhead } from './sections/overhead.js'
import type { ProductionPoint } from './sections/production.js'
import type { ReadsFromNode, ReadsInWorkerd } from './sections/reads.js'

/** What one bench run measured: written to results/latest.json, rendered by report.ts. */
export type Target = { target: string; measured: string; met: boolean }

export type Results = {
  startedAt: string
  durationSeconds: number
  /** 1, 5 and 15-minute load averages when the run ended (2 cores: above 2 means waiting for CPU). */
  loadAverageAtEnd?: number[]
  command: string
  machine: ReturnType<typeof describeMachine> & { postgresServer?: string }
  config: BenchConfig
  setup: Record<string, number | string>
  reads?: ReadsFromNode
  workerd?: ReadsInWorkerd & { bundleBytes: number }
  overhead?: Overhead
  invalidation?: InvalidationPoint[]
  memory?: { points: MemoryPoint[]; distinctQueriesRead: number; bestPossibleHitRate: number }
  production?: ProductionPoint[]
  targets: Target[]
  notes: string[]
}
