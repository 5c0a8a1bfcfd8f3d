import type { ResolvedOptions } from '../options/resolveOptions.js'
import type { LaggingLayer } from '../types.js'
import { D1Sessions, isD1Binding, isD1Session } from './d1Sessions.js'
import type { FreshSource } from './freshSource.js'
import {
  HYPERDRIVE_MAX_AGE,
  HYPERDRIVE_STALE_WHILE_REVALIDATE,
  type HyperdriveCache,
  isHyperdriveConnection,
} from './hyperdrive.js'
import { PostgresReplicas } from './postgresReplicas.js'

/** What the cache says once at start-up about a layer that can answer older than the primary. */
export type TopologyNote = {
  layer: LaggingLayer
  handling: 'handled' | 'not-stored' | 'not-guaranteed'
  message: string
}

/** What start-up found: the source that keeps fills fresh, if one is needed, and what to say. */
export type Topology = { source: FreshSource | undefined; notes: TopologyNote[] }

/** The adapter's own options, as Payload's D1, PostgreSQL and sqlite adapters keep them. */
type AdapterShape = {
  binding?: unknown
  readReplicas?: unknown
  poolOptions?: unknown
  readReplicaOptions?: unknown
  readReplicasAfterWriteInterval?: unknown
  clientConfig?: unknown
}

const PREFIX = 'payload-kv-cache:'

const d1 = (adapter: AdapterShape): Topology => {
  if (isD1Session(adapter.binding)) {
    return {
      source: new D1Sessions(adapter),
      notes: [
        {
          layer: 'd1-replicas',
          handling: 'not-stored',
          message: `${PREFIX} the D1 binding is a session (withSession() was called on it), which the cache cannot move to another isolate's bookmark: a miss under a newer write is read but not stored until this session has caught up. Pass the binding itself with sqliteD1Adapter({ binding, readReplicas: 'first-primary' }) instead.`,
        },
      ],
    }
  }
  if (adapter.readReplicas === 'first-primary' && isD1Binding(adapter.binding)) {
    return {
      source: new D1Sessions(adapter),
      notes: [
        {
          layer: 'd1-replicas',
          handling: 'handled',
          message: `${PREFIX} D1 read replication (readReplicas: 'first-primary'): writes record their session bookmark with their invalidations; a miss under them first moves this isolate's D1 session to that bookmark.`,
        },
      ],
    }
  }
  return { source: undefined, notes: [] }
}

const postgres = (adapter: AdapterShape, options: ResolvedOptions): Topology => {
  const replicas = Array.isArray(adapter.readReplicaOptions) ? adapter.readReplicaOptions : []
  const detected =
    isHyperdriveConnection(adapter.poolOptions) || replicas.some(isHyperdriveConnection)
  const notes: TopologyNote[] = []
  let hyperdrive: HyperdriveCache | undefined
  if (options.hyperdrive) hyperdrive = options.hyperdrive
  else if (options.hyperdrive === undefined && detected) {
    hyperdrive = {
      cached: 'all',
      windowMs: (HYPERDRIVE_MAX_AGE + HYPERDRIVE_STALE_WHILE_REVALIDATE) * 1000,
    }
    notes.push({
      layer: 'hyperdrive',
      handling: 'not-stored',
      message: `${PREFIX} the adapter connects through Hyperdrive, whose query cache (on by default: 60 s + 15 s, never invalidated by writes) can answer older than a write. Assuming it is on everywhere: a miss within 75 s of a write to what it reads is read but not stored. Say which connections are cached with the hyperdrive option: { cached: 'replicas' } with the pool on a configuration that has caching disabled and readReplicas on the cached one (Cloudflare's two bindings), or false if caching is off.`,
    })
  }
  if (hyperdrive?.cached === 'all' && notes.length === 0) {
    notes.push({
      layer: 'hyperdrive',
      handling: 'not-stored',
      message: `${PREFIX} hyperdrive: { cached: 'all' }: a miss within ${hyperdrive.windowMs / 1000} s of a write to what it reads is read from Hyperdrive's cache and not stored. An uncached binding as the pool and the cached one in readReplicas ({ cached: 'replicas' }) stores those too.`,
    })
  }
  if (hyperdrive?.cached === 'replicas') {
    notes.push({
      layer: 'hyperdrive',
      handling: replicas.length ? 'handled' : 'not-guaranteed',
      message: replicas.length
        ? `${PREFIX} hyperdrive: { cached: 'replicas' }: a miss within ${hyperdrive.windowMs / 1000} s of a write to what it reads is read from the pool (uncached) through Payload's read-after-write routing.`
        : `${PREFIX} hyperdrive: { cached: 'replicas' } but the adapter has no readReplicas: every read goes to the pool, which must be on a configuration with caching disabled.`,
    })
  }
  if (replicas.length) {
    const routes = typeof adapter.readReplicasAfterWriteInterval === 'number'
    notes.push({
      layer: 'postgres-replicas',
      handling: routes ? 'handled' : 'not-stored',
      message: routes
        ? `${PREFIX} PostgreSQL read replicas: writes record the primary's WAL position with their invalidations; a miss under them reads the replicas once they have replayed it, else the primary (Payload's read-after-write routing).`
        : `${PREFIX} PostgreSQL read replicas without Payload's read-after-write routing (an older @payloadcms/db-postgres): a miss under a write the replicas have not replayed is read but not stored.`,
    })
  }
  const source =
    replicas.length || hyperdrive
      ? new PostgresReplicas(adapter as never, { hyperdrive, timeoutMs: options.timeoutMs })
      : undefined
  return { source, notes }
}

/**
 * What stands between the adapter and its database's primary, from the adapter's own options
 * (read at start-up, once): D1 read replication, PostgreSQL read replicas, Hyperdrive's cache, a
 * libSQL embedded replica. Each is handled, skipped while it cannot be, or said to be outside the
 * guarantee: never silently.
 */
export const detectTopology = (adapter: object, options: ResolvedOptions): Topology => {
  const shape = adapter as AdapterShape
  if (options.hyperdrive && shape.poolOptions === undefined) {
    return {
      source: undefined,
      notes: [
        {
          layer: 'hyperdrive',
          handling: 'not-guaranteed',
          message: `${PREFIX} the hyperdrive option is set but the adapter is not PostgreSQL: ignored.`,
        },
      ],
    }
  }
  if (shape.binding !== undefined) return d1(shape)
  if (shape.poolOptions !== undefined) return postgres(shape, options)
  const client = shape.clientConfig as { syncUrl?: unknown } | undefined
  if (typeof client?.syncUrl === 'string') {
    return {
      source: undefined,
      notes: [
        {
          layer: 'libsql-replica',
          handling: 'not-guaranteed',
          message: `${PREFIX} the libSQL client is an embedded replica (syncUrl): another process's write reaches it only at its next sync, and a miss before then can store the old answer under the new invalidation. Not guaranteed: sync before reads, or connect to the primary.`,
        },
      ],
    }
  }
  return { source: undefined, notes: [] }
}
