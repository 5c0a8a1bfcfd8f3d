import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types'

/**
 * A D1 binding over an in-memory sqlite database (Node's `node:sqlite`), for Node: what
 * `@payloadcms/db-d1-sqlite` and drizzle's D1 driver call (prepare, bind, all, raw, run, first,
 * batch, exec), answering in D1's shapes (`{ results, success, meta }`), with foreign keys enforced
 * as D1 enforces them. Fast enough for the lagging-replica fuzzer to run many steps where
 * Miniflare's D1 costs ~10 ms a query; the same fuzzer also runs on Miniflare's real D1.
 *
 * `node:sqlite` is still marked experimental in Node 22 (it prints one warning), and needs no
 * dependency.
 */
type Statement = { sql: string; params: unknown[] }

type SyncStatement = {
  all(...params: unknown[]): unknown[][]
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  setReturnArrays(enabled: boolean): void
  columns(): Array<{ name: string }>
}
type SyncDatabase = { prepare(sql: string): SyncStatement; exec(sql: string): void }

const STATEMENT = Symbol('sqliteD1 statement')

/** D1 takes booleans and buffers; sqlite numbers and bytes. */
const value = (param: unknown): unknown =>
  typeof param === 'boolean'
    ? Number(param)
    : param instanceof ArrayBuffer
      ? new Uint8Array(param)
      : param

export async function createSqliteD1(): Promise<D1Database> {
  const { DatabaseSync } = (await import('node:sqlite')) as unknown as {
    DatabaseSync: new (path: string) => SyncDatabase
  }
  const db = new DatabaseSync(':memory:')
  db.exec('PRAGMA foreign_keys = ON')

  /** Runs one statement: its columns and rows as arrays, and what it changed. */
  const execute = ({ sql, params }: Statement) => {
    const prepared = db.prepare(sql)
    const columns = prepared.columns().map((c) => c.name)
    if (columns.length === 0) {
      const { changes, lastInsertRowid } = prepared.run(...params.map(value))
      return {
        columns,
        rows: [] as unknown[][],
        changes: Number(changes),
        last: Number(lastInsertRowid),
      }
    }
    prepared.setReturnArrays(true)
    const rows = prepared.all(...params.map(value))
    const changes = /^\s*(select|with)\b/i.test(sql) ? 0 : rows.length
    return { columns, rows, changes, last: 0 }
  }
  type Executed = ReturnType<typeof execute>

  const objects = ({ columns, rows }: Executed) =>
    rows.map((row) => {
      const out: Record<string, unknown> = {}
      columns.forEach((column, i) => {
        out[column] = row[i]
      })
      return out
    })
  const result = (executed: Executed) => ({
    results: objects(executed),
    success: true,
    meta: {
      changed_db: executed.changes > 0,
      changes: executed.changes,
      duration: 0,
      last_row_id: executed.last,
      rows_read: executed.rows.length,
      rows_written: executed.changes,
      served_by: 'sqliteD1',
      size_after: 0,
    },
  })

  const prepared = (statement: Statement): D1PreparedStatement =>
    ({
      [STATEMENT]: statement,
      bind: (...values: unknown[]) => prepared({ sql: statement.sql, params: values }),
      all: async () => result(execute(statement)),
      run: async () => result(execute(statement)),
      raw: async (options?: { columnNames?: boolean }) => {
        const executed = execute(statement)
        return options?.columnNames ? [executed.columns, ...executed.rows] : executed.rows
      },
      first: async (column?: string) => {
        const row = objects(execute(statement))[0]
        if (!row) return null
        return column === undefined ? row : (row[column] ?? null)
      },
    }) as unknown as D1PreparedStatement

  return {
    prepare: (sql: string) => prepared({ sql, params: [] }),
    batch: async (statements: D1PreparedStatement[]) => {
      // One transaction, as D1 runs a batch.
      db.exec('BEGIN')
      try {
        const out = statements.map((s) =>
          result(execute((s as unknown as { [STATEMENT]: Statement })[STATEMENT])),
        )
        db.exec('COMMIT')
        return out
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
    },
    exec: async (sql: string) => {
      db.exec(sql)
      return { count: 0, duration: 0 }
    },
    withSession: () => {
      throw new Error('sqliteD1 has no sessions: wrap it in laggingD1() for read replication')
    },
    dump: () => Promise.reject(new Error('sqliteD1: dump is not supported')),
  } as unknown as D1Database
}
