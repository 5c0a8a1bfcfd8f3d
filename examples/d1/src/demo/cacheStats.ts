import type { Payload } from 'payload'
import { getCacheStats, resetCacheStats } from 'payload-kv-cache'

/** What the demo reports about the cache, whatever the shape of the core's statistics. */
export type DemoCacheStats = {
  hits: { memory: number; kv: number }
  misses: number
  bypasses: number
  stores: number
  /** Invalidations by collection or global slug. */
  invalidations: Record<string, number>
  kv: { read: number; write: number; delete: number; list: number }
}

export const emptyStats = (): DemoCacheStats => ({
  hits: { memory: 0, kv: 0 },
  misses: 0,
  bypasses: 0,
  stores: 0,
  invalidations: {},
  kv: { read: 0, write: 0, delete: 0, list: 0 },
})

/** The one place that reads the core's statistics (`getCacheStats`) for the demo. */
export const readCacheStats = (payload: Payload): DemoCacheStats => {
  const { total, invalidations, kv } = getCacheStats(payload)
  return {
    hits: { ...total.hits },
    misses: total.misses,
    bypasses: total.bypasses,
    stores: total.stores,
    invalidations: { ...invalidations },
    kv: { ...kv.operations },
  }
}

/** Statistics of several simulated isolates, added up. */
export const addStats = (a: DemoCacheStats, b: DemoCacheStats): DemoCacheStats => {
  const invalidations = { ...a.invalidations }
  for (const [slug, count] of Object.entries(b.invalidations))
    invalidations[slug] = (invalidations[slug] ?? 0) + count
  return {
    hits: { memory: a.hits.memory + b.hits.memory, kv: a.hits.kv + b.hits.kv },
    misses: a.misses + b.misses,
    bypasses: a.bypasses + b.bypasses,
    stores: a.stores + b.stores,
    invalidations,
    kv: {
      read: a.kv.read + b.kv.read,
      write: a.kv.write + b.kv.write,
      delete: a.kv.delete + b.kv.delete,
      list: a.kv.list + b.kv.list,
    },
  }
}

/** Starts this isolate's statistics from zero (after seeding, which is not part of the workload). */
export const resetStats = (payload: Payload): void => resetCacheStats(payload)
