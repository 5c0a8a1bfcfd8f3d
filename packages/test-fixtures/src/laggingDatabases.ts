import { randomUUID } from 'node:crypto'
import type { KVNamespace } from '@cloudflare/workers-types'
import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import { postgresAdapter } from '@payloadcms/db-postgres'
import type { BaseDatabaseAdapter, DatabaseAdapterObj } from 'payload'
import pg from 'pg'
import { endPool, type PgPool } from './databases.js'
import { type HyperdriveDouble, hyperdrivePg } from './hyperdriveCache.js'
import { type LaggingD1Plan, laggingD1 } from './laggingD1.js'
import { startMiniflare } from './miniflare.js'
import { createSqliteD1 } from './sqliteD1.js'

/**
 * A database whose reads can lag behind its primary, for the tests of what the cache stores behind
 * one:
 * - `sqlite`: Payload's D1 adapter on `node:sqlite` through the lagging D1 double (`laggingD1.ts`),
 *   fast;
 * - `d1`: the same double over two of Miniflare's real D1 databases (primary and replica);
 * - `postgres`: a real primary and its real streaming replica, which applies each commit
 *   `DATABASE_REPLICA_DELAY_MS` late (`scripts/with-postgres.mjs`), with
 *   `postgresAdapter({ readReplicas })`.
 */
export type LaggingKind = 'sqlite' | 'd1' | 'postgres'

export const laggingKinds: readonly LaggingKind[] = ['sqlite', 'd1', 'postgres']

export type LaggingDatabase = {
  kind: LaggingKind
  /**
   * Payload's adapter on the primary, never lagging (the plain reference instance); `push` for the
   * first instance, which creates the schema.
   */
  primary(push: boolean): DatabaseAdapterObj
  /**
   * An adapter that reads through the lagging layer, as a deployment with replicas runs it: D1
   * with `readReplicas: 'first-primary'`, PostgreSQL with `readReplicas: [the replica]`. No push.
   */
  lagging(): DatabaseAdapterObj
  /** D1 kinds: the double's plan, to hold the replica back (`lagMs: Infinity`) or let it follow. */
  plan?: LaggingD1Plan
  /** Resolves once the replica has every write made so far (D1: replayed now; PostgreSQL: waited for). */
  catchUp(): Promise<void>
  /** D1 kinds: the `CACHE` namespace of the primary's Miniflare; else none. */
  kv?: KVNamespace
  /** Closes every connection of the adapters made here, then deletes the database. */
  cleanup(): Promise<void>
}

/** Whether the real replica runs: `scripts/with-postgres.mjs` started it. */
export const hasPostgresReplica = (): boolean =>
  Boolean(process.env.DATABASE_URL && process.env.DATABASE_REPLICA_URL)

export async function createLaggingDatabase(kind: LaggingKind): Promise<LaggingDatabase> {
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
  return kind === 'postgres' ? createReplicatedPostgres() : createLaggingD1(kind)
}

async function createLaggingD1(kind: 'sqlite' | 'd1'): Promise<LaggingDatabase> {
  const disposers: Array<() => Promise<void>> = []
  let primary: Parameters<typeof laggingD1>[0]
  let replica: Parameters<typeof laggingD1>[1]
  let kv: KVNamespace | undefined
  if (kind === 'sqlite') {
    primary = await createSqliteD1()
    replica = await createSqliteD1()
  } else {
    const primaryMf = await startMiniflare()
    disposers.push(primaryMf.dispose)
    const replicaMf = await startMiniflare()
    disposers.push(replicaMf.dispose)
    primary = primaryMf.d1
    replica = replicaMf.d1
    kv = primaryMf.kv
  }
  const plan: LaggingD1Plan = { lagMs: 0 }
  const double = laggingD1(primary, replica, plan)
  let cleaned: Promise<void> | undefined
  return {
    kind,
    // No session: every query on the primary, every write logged for the replica.
    primary: (push) => sqliteD1Adapter({ binding: double.binding, push }),
    lagging: () =>
      sqliteD1Adapter({ binding: double.binding, readReplicas: 'first-primary', push: false }),
    plan,
    catchUp: () => double.catchUp(),
    ...(kv ? { kv } : {}),
    cleanup: () =>
      (cleaned ??= (async () => {
        for (const dispose of disposers.reverse()) await dispose()
      })()),
  }
}

type PostgresAdapter = BaseDatabaseAdapter & {
  pool?: PgPool
  drizzle?: { $replicas?: Array<{ $client?: PgPool }> }
}

async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(text, values)
    return rows[0]?.value as T | undefined
  } finally {
    await client.end()
  }
}

/** A fresh PostgreSQL database; adapters made through `tracked` are closed by `close`. */
async function freshPostgres(serverURL: string) {
  const name = `payload_kv_cache_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  await onServer(serverURL, `CREATE DATABASE "${name}"`)
  const at = (server: string) => {
    const url = new URL(server)
    url.pathname = `/${name}`
    return url.toString()
  }
  const adapters: PostgresAdapter[] = []
  const tracked = (factory: DatabaseAdapterObj): DatabaseAdapterObj => ({
    ...factory,
    init: (args) => {
      const adapter = factory.init(args) as PostgresAdapter
      adapters.push(adapter)
      return adapter
    },
  })
  const close = async () => {
    const pools = adapters
      .splice(0)
      .flatMap((adapter) => [
        adapter.pool,
        ...(adapter.drizzle?.$replicas ?? []).map((replica) => replica.$client),
      ])
    await Promise.all(pools.map((pool) => (pool && !pool.ending ? endPool(pool) : undefined)))
    // A pool Payload's destroy() already ended may still have connections closing, which the drop
    // terminates: on the primary with 57P01, on the streaming replica, when it replays the drop
    // (1.5 s later), with 57P04 ("database that must be dropped"). Those two, from this drop, are
    // expected; anything else still fails the run.
    for (const pool of pools) {
      pool?.on('error', (error: Error & { code?: string }) => {
        if (error.code !== '57P01' && error.code !== '57P04') throw error
      })
    }
    await onServer(serverURL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  }
  return { at, tracked, close }
}

/**
 * PostgreSQL behind the Hyperdrive cache double (`hyperdriveCache.ts`), as the hyperdrive option
 * describes it: `cached: 'all'`, one cached connection; `cached: 'replicas'`, Cloudflare's two
 * bindings, the pool uncached and `readReplicas` on the cached configuration (here the same
 * database under another `application_name`). Needs DATABASE_URL.
 */
export async function createHyperdriveDatabase(
  cached: 'all' | 'replicas',
  window: { maxAgeMs: number; staleMs: number },
): Promise<LaggingDatabase & { hyperdrive: HyperdriveDouble }> {
  const serverURL = process.env.DATABASE_URL
  if (!serverURL) throw new Error('DATABASE_URL is not set; guard with hasPostgres()')
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
  const { at, tracked, close } = await freshPostgres(serverURL)
  const primaryURL = at(serverURL)
  const cachedURL = new URL(primaryURL)
  cachedURL.searchParams.set('application_name', 'hyperdrive-cached')
  const hyperdrive = hyperdrivePg({
    ...window,
    cached: (connectionString) =>
      cached === 'all' || connectionString.includes('application_name=hyperdrive-cached'),
  })
  let cleaned: Promise<void> | undefined
  return {
    kind: 'postgres',
    hyperdrive,
    primary: (push) => tracked(postgresAdapter({ pool: { connectionString: primaryURL }, push })),
    lagging: () =>
      tracked(
        postgresAdapter({
          pool: { connectionString: primaryURL },
          pg: hyperdrive.pg,
          ...(cached === 'replicas' ? { readReplicas: [cachedURL.toString()] } : {}),
          push: false,
        }),
      ),
    catchUp: async () => {},
    cleanup: () => (cleaned ??= close()),
  }
}

async function createReplicatedPostgres(): Promise<LaggingDatabase> {
  const serverURL = process.env.DATABASE_URL
  const replicaServerURL = process.env.DATABASE_REPLICA_URL
  if (!serverURL || !replicaServerURL) {
    throw new Error('DATABASE_REPLICA_URL is not set; guard with hasPostgresReplica()')
  }
  const { at, tracked, close } = await freshPostgres(serverURL)
  const primaryURL = at(serverURL)
  const replicaURL = at(replicaServerURL)
  /** Waits until the replica has replayed the primary's WAL as it is now. */
  const catchUp = async () => {
    const target = await query<string>(
      serverURL,
      'SELECT pg_current_wal_insert_lsn()::text AS value',
    )
    const started = Date.now()
    for (;;) {
      const caught = await query<boolean>(
        replicaServerURL,
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS value',
        [target],
      )
      if (caught) return
      if (Date.now() - started > 60_000) throw new Error('the PostgreSQL replica did not catch up')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  let cleaned: Promise<void> | undefined
  return {
    kind: 'postgres',
    primary: (push) => tracked(postgresAdapter({ pool: { connectionString: primaryURL }, push })),
    lagging: () =>
      tracked(
        postgresAdapter({
          pool: { connectionString: primaryURL },
          readReplicas: [replicaURL],
          push: false,
        }),
      ),
    catchUp,
    cleanup: () => (cleaned ??= close()),
  }
}
