/**
 * D1 read replication in the production model (`replicaLagMs` on a `/production` request): the
 * lagging D1 double of the test fixtures over the Worker's `D1` (the primary, `d1Ms` away) and
 * `D1_REPLICA` (a replica in this location, `replicaMs` away) databases, with every write reaching
 * the replica `replicaLagMs` after it was made. Payload's D1 adapter runs with
 * `readReplicas: 'first-primary'`, as Payload's Cloudflare template recommends; the cache moves a
 * session to the writers' bookmark when a miss needs it (`payload-kv-cache`'s `freshness/`).
 *
 * What the mechanism costs is read from the cache's own statistics (KV bytes, and the misses that
 * had to move their session or read the primary) and from the double (queries by instance).
 */
import type { Payload } from 'payload'
import { type CacheStats, getCacheStats } from 'payload-kv-cache'
import { type LaggingD1, laggingD1 } from 'payload-kv-cache-test-fixtures/laggingD1'

/** What a run behind replicas adds to its result. */
export type ReplicaFigures = {
  replicaLagMs: number
  /** Queries by instance: the primary (a region away) and the replica (here). */
  primaryQueries: number
  replicaQueries: number
}

/** The cache's own figures, summed over every isolate of a run. */
export type CacheFigures = {
  hits: number
  misses: number
  stores: number
  kvBytesRead: number
  kvBytesWritten: number
  lag: CacheStats['lag']
}

/**
 * The binding an isolate's D1 adapter gets, behind a replica `lagMs` behind its primary; `replica`
 * is what reads reach (with the latency model), `replication` the same database unwrapped.
 */
export async function replicatedD1(
  primary: D1Database,
  replica: D1Database,
  lagMs: number,
  replication: D1Database,
): Promise<LaggingD1> {
  // The replication replays writes on the unwrapped replica: not a query of the app's, so neither
  // delayed nor counted with the page's queries.
  const double = laggingD1(primary as never, replica as never, {
    lagMs,
    replication: replication as never,
  })
  // The primary was seeded from Node: the replica starts as a copy of it.
  await double.baseBackup()
  return double
}

export const replicaFigures = (double: LaggingD1, replicaLagMs: number): ReplicaFigures => ({
  replicaLagMs,
  primaryQueries: double.counts.primaryReads + double.counts.writes,
  replicaQueries: double.counts.replicaReads,
})

/** Adds an isolate's statistics (read before it is destroyed) to the run's. */
export const addCacheFigures = (into: CacheFigures | undefined, isolate: Payload): CacheFigures => {
  const stats = getCacheStats(isolate)
  const out = into ?? {
    hits: 0,
    misses: 0,
    stores: 0,
    kvBytesRead: 0,
    kvBytesWritten: 0,
    lag: { bookmark: 0, primary: 0, replica: 0, notStored: 0 },
  }
  out.hits += stats.total.hits.memory + stats.total.hits.kv
  out.misses += stats.total.misses
  out.stores += stats.total.stores
  out.kvBytesRead += stats.kv.bytesRead
  out.kvBytesWritten += stats.kv.bytesWritten
  for (const key of Object.keys(out.lag) as Array<keyof CacheStats['lag']>) {
    out.lag[key] += stats.lag[key]
  }
  return out
}
