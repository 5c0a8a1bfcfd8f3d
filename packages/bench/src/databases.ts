import type { D1Database } from '@cloudflare/workers-types'
import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import { BasePayload, type DatabaseAdapterObj, type Payload } from 'payload'
import {
  createDatabase,
  type DatabaseKind,
  type TestDatabase,
} from 'payload-kv-cache-test-fixtures/databases'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { seed } from 'payload-kv-cache-test-fixtures/seed'

/** Boots Payload (the test schema) on `db`, as the test fixtures do, without `getPayload`'s process-wide cache. */
export async function bootPayload(db: DatabaseAdapterObj): Promise<Payload> {
  const config = await buildTestConfig({ db })
  return (await new BasePayload().init({ config })) as unknown as Payload
}

export type BenchDatabase = {
  kind: DatabaseKind
  /** Payload straight on the database, which it created and seeded. */
  plain: Payload
  /** Another Payload on the same database (no schema push), with its adapter factory wrapped. */
  attach(wrap: (factory: DatabaseAdapterObj) => DatabaseAdapterObj): Promise<Payload>
  seedMs: number
  cleanup(): Promise<void>
}

const closeAll = async (instances: Payload[]) => {
  for (const payload of instances.splice(0).reverse()) await payload.destroy().catch(() => {})
}

/** sqlite (a file) or PostgreSQL (`DATABASE_URL`): created by the test fixtures, seeded through Payload. */
export async function seededDatabase(
  kind: 'sqlite' | 'postgres',
  posts: number,
): Promise<BenchDatabase> {
  const database: TestDatabase = await createDatabase(kind)
  const instances: Payload[] = []
  try {
    const plain = await bootPayload(database.adapter)
    instances.push(plain)
    const started = performance.now()
    await seed(plain, { posts })
    const seedMs = performance.now() - started
    return {
      kind,
      plain,
      seedMs,
      attach: async (wrap) => {
        const payload = await bootPayload(wrap(database.attach()))
        instances.push(payload)
        return payload
      },
      cleanup: async () => {
        await closeAll(instances)
        await database.cleanup()
      },
    }
  } catch (error) {
    await closeAll(instances)
    await database.cleanup()
    throw error
  }
}

/**
 * D1 (Miniflare's, the benchmark Worker's binding reached from Node). Seeding D1 through Payload
 * costs ~5 ms a statement even inside workerd, so the rows of the seeded sqlite database are
 * copied instead: the same schema (both adapters are drizzle's sqlite dialect), the same ids and
 * content, in one D1 batch with foreign keys deferred (`payload_migrations` excepted: the schema
 * push wrote its own row there).
 */
export async function copiedD1(binding: D1Database, from: BenchDatabase): Promise<BenchDatabase> {
  const instances: Payload[] = []
  try {
    const plain = await bootPayload(sqliteD1Adapter({ binding: binding as never, push: true }))
    instances.push(plain)
    const started = performance.now()
    const client = (from.plain.db as unknown as { client: LibsqlClient }).client
    const tables = await client.execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'payload_migrations'",
    )
    const statements = [binding.prepare('PRAGMA defer_foreign_keys = on')]
    for (const row of tables.rows) {
      const table = String(row.name)
      const { columns, rows } = await client.execute(`SELECT * FROM "${table}"`)
      if (!rows.length) continue
      const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`
      for (const values of rows)
        statements.push(binding.prepare(sql).bind(...columns.map((_, i) => values[i] ?? null)))
    }
    await binding.batch(statements)
    const seedMs = performance.now() - started
    return {
      kind: 'd1',
      plain,
      seedMs,
      attach: async (wrap) => {
        const payload = await bootPayload(
          wrap(sqliteD1Adapter({ binding: binding as never, push: false })),
        )
        instances.push(payload)
        return payload
      },
      cleanup: () => closeAll(instances),
    }
  } catch (error) {
    await closeAll(instances)
    throw error
  }
}

type LibsqlClient = {
  execute(
    sql: string,
  ): Promise<{ columns: string[]; rows: Array<Record<string | number, unknown>> }>
}
