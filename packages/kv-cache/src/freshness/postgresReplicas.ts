import { postgresPosition } from '../storage/tokenValues.js'
import type { FreshRead, FreshSource, LagAction, LagLayer } from './freshSource.js'
import { type HyperdriveCache, withinCacheWindow } from './hyperdrive.js'
import { compareLsn, type Requirement } from './requirement.js'

/**
 * PostgreSQL read replicas (`postgresAdapter({ readReplicas })`) and Hyperdrive's query cache in
 * front of the adapter's connections.
 *
 * Payload routes a read to the primary for `readReplicasAfterWriteInterval` after a write
 * (`@payloadcms/drizzle` `utilities/readAfterWrite.ts`, `getTransaction.ts`), but that moment lives
 * on the adapter object of the isolate that wrote. Here:
 * - a write records the primary's WAL position after it (`pg_current_wal_insert_lsn()`, one query
 *   on the primary) in the tokens it replaces;
 * - a fill under tokens whose position every replica has replayed (`pg_last_wal_replay_lsn()`,
 *   asked once per replica when a token is newer than what this isolate knows) reads as Payload
 *   routes it;
 * - otherwise it reads the primary through Payload's own routing: the adapter's
 *   `lastWriteTimestamp` reads as "now" while the read starts, and the cache checks that Payload
 *   consulted it (a read that bypasses the routing is not stored);
 * - with Hyperdrive's cache in front of the replicas (or of everything), a fill under tokens
 *   younger than the cache window reads the uncached primary (or is not stored).
 */

type Queryable = { query(text: string): Promise<{ rows: Array<Record<string, unknown>> }> }

type PostgresAdapter = {
  pool?: Queryable
  primaryDrizzle?: unknown
  drizzle?: { $replicas?: Array<{ $client?: Queryable }> }
  readReplicaOptions?: unknown[]
  readReplicasAfterWriteInterval?: number
  lastWriteTimestamp?: number
}

/** What is known of one replica: the WAL position it had replayed, or that it is not a standby. */
type Replica = { pool: Queryable; replayed?: string; primary?: true; probing?: Promise<void> }

export type PostgresReplicasOptions = {
  hyperdrive: HyperdriveCache | undefined
  /** Milliseconds a WAL position query may take before the replica counts as behind. */
  timeoutMs: number
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export class PostgresReplicas implements FreshSource {
  readonly positionKind: 'postgres' | undefined
  readonly #adapter: PostgresAdapter
  readonly #options: PostgresReplicasOptions
  readonly #hasReplicas: boolean
  #replicas: Replica[] = []
  /** While a read starts on the primary: `lastWriteTimestamp` reads as a fresh write, and is watched. */
  #forcing = false
  #consulted = false

  constructor(adapter: PostgresAdapter, options: PostgresReplicasOptions) {
    this.#adapter = adapter
    this.#options = options
    this.#hasReplicas =
      Array.isArray(adapter.readReplicaOptions) && adapter.readReplicaOptions.length > 0
    this.positionKind = this.#hasReplicas ? 'postgres' : undefined
  }

  /** Whether this adapter has Payload's routing to the primary (`@payloadcms/drizzle` ≥ 3.81). */
  get canRoute(): boolean {
    return this.#hasReplicas && typeof this.#adapter.readReplicasAfterWriteInterval === 'number'
  }

  connected(): void {
    const replicas = this.#adapter.drizzle?.$replicas ?? []
    this.#replicas = replicas.flatMap((replica) =>
      replica.$client ? [{ pool: replica.$client }] : [],
    )
    this.#observeRouting()
  }

  /** `lastWriteTimestamp` as an accessor: the same value for Payload, observable by the cache. */
  #observeRouting(): void {
    const adapter = this.#adapter
    const descriptor = Object.getOwnPropertyDescriptor(adapter, 'lastWriteTimestamp')
    if (descriptor?.get) return
    let stored = adapter.lastWriteTimestamp
    Object.defineProperty(adapter, 'lastWriteTimestamp', {
      configurable: true,
      enumerable: true,
      get: () => {
        if (!this.#forcing) return stored
        this.#consulted = true
        // A write "in the future": within any interval, also 0, however long the read takes to start.
        return Number.MAX_SAFE_INTEGER
      },
      set: (value: number | undefined) => {
        stored = value
      },
    })
  }

  async position(): Promise<string | undefined> {
    if (!this.#hasReplicas || !this.#adapter.pool) return undefined
    try {
      const { rows } = await this.#adapter.pool.query(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      )
      return postgresPosition(rows[0]?.lsn as string | undefined)
    } catch {
      return undefined // no position: readers go to the primary
    }
  }

  /** Whether a replica has replayed `lsn`, asking it when what is known is not enough. */
  async #caughtUp(replica: Replica, lsn: string): Promise<boolean> {
    const known = () =>
      replica.primary === true ||
      (replica.replayed !== undefined && compareLsn(replica.replayed, lsn) >= 0)
    if (known()) return true
    replica.probing ??= withTimeout(
      replica.pool.query('SELECT pg_last_wal_replay_lsn()::text AS lsn'),
      this.#options.timeoutMs,
    )
      .then((answer) => {
        if (!answer) return
        const replayed = answer.rows[0]?.lsn
        // NULL: not a standby. Behind Hyperdrive's cache that is the primary itself (its cache is
        // handled by the window); anywhere else nothing says how far it is.
        if (replayed === null && this.#options.hyperdrive?.cached === 'replicas')
          replica.primary = true
        else if (typeof replayed === 'string') replica.replayed = replayed
      })
      .catch(() => undefined)
      .finally(() => {
        replica.probing = undefined
      })
    await replica.probing
    return known()
  }

  /** Whether every replica can answer under `requirement`; the number of probes it took. */
  async #replicasFresh(
    requirement: Requirement,
    now: number,
  ): Promise<{ fresh: boolean; asked: boolean }> {
    const { hyperdrive } = this.#options
    if (
      hyperdrive?.cached === 'replicas' &&
      withinCacheWindow(hyperdrive, requirement.newest, now)
    ) {
      return { fresh: false, asked: false }
    }
    if (!this.#replicas.length) return { fresh: false, asked: false }
    const everyPrimary = this.#replicas.every((replica) => replica.primary)
    if (requirement.unplaced.length && !everyPrimary) return { fresh: false, asked: false }
    const lsn = requirement.position
    if (lsn === undefined) return { fresh: true, asked: false }
    let asked = false
    const answers = await Promise.all(
      this.#replicas.map((replica) => {
        asked ||= !(replica.primary || (replica.replayed && compareLsn(replica.replayed, lsn) >= 0))
        return this.#caughtUp(replica, lsn)
      }),
    )
    return { fresh: answers.every(Boolean), asked }
  }

  async read(
    requirement: Requirement | undefined,
    call: () => Promise<unknown>,
  ): Promise<FreshRead> {
    const { hyperdrive } = this.#options
    const now = Date.now()
    const primaryCached =
      hyperdrive?.cached === 'all' &&
      (requirement === undefined || withinCacheWindow(hyperdrive, requirement.newest, now))
    const layer: LagLayer = primaryCached || !this.#hasReplicas ? 'hyperdrive' : 'postgres'
    if (!this.#hasReplicas) {
      const result = await call()
      return primaryCached
        ? { result, storable: false, action: 'not-stored', layer }
        : { result, storable: true }
    }
    const replicas = requirement
      ? await this.#replicasFresh(requirement, now)
      : { fresh: false, asked: false }
    if (replicas.fresh) {
      const result = await call()
      return replicas.asked
        ? { result, storable: true, action: 'replica', layer: 'postgres' }
        : { result, storable: true }
    }
    if (primaryCached || !this.canRoute) {
      return { result: await call(), storable: false, action: 'not-stored', layer }
    }
    const { pending, routed } = this.#onPrimary(call)
    const result = await pending
    const action: LagAction = routed ? 'primary' : 'not-stored'
    return { result, storable: routed, action, layer: hyperdrive ? 'hyperdrive' : 'postgres' }
  }

  /**
   * Starts `call` with Payload's read-after-write routing on: `lastWriteTimestamp` reads as a
   * write just made while the read starts (Payload decides where a read goes before its first `await`). Routed
   * when Payload consulted it; a read inside a (null) transaction, or a Payload that decides
   * elsewhere, does not, and its result is not stored.
   */
  #onPrimary(call: () => Promise<unknown>): { pending: Promise<unknown>; routed: boolean } {
    this.#forcing = true
    this.#consulted = false
    let pending: Promise<unknown>
    try {
      pending = call()
    } finally {
      this.#forcing = false
    }
    const routed = this.#consulted && Boolean(this.#adapter.primaryDrizzle)
    return { pending, routed }
  }
}
