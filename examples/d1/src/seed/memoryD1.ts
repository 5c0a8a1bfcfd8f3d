import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import type { D1Database } from '@cloudflare/workers-types'

/**
 * The part of the `D1Database` interface that Payload's D1 adapter (through drizzle) uses,
 * over an in-memory `node:sqlite` database. Only for seeding: through the local platform proxy
 * every D1 query is an HTTP round trip to workerd (tens of ms on a busy machine), and Payload
 * makes about ten of them per post.
 */
export const memoryD1 = (): { binding: D1Database; sqlite: DatabaseSync } => {
  const sqlite = new DatabaseSync(':memory:')
  const toSQL = (value: unknown): SQLInputValue => {
    if (value === undefined) return null
    if (typeof value === 'boolean') return value ? 1 : 0
    if (value instanceof ArrayBuffer) return new Uint8Array(value)
    return value as SQLInputValue
  }
  const execute = (statement: StatementSync, params: SQLInputValue[], arrays = false) => {
    if (statement.columns().length === 0) {
      const { changes, lastInsertRowid } = statement.run(...params)
      return { rows: [], meta: { changes: Number(changes), last_row_id: Number(lastInsertRowid) } }
    }
    statement.setReturnArrays(arrays)
    return { rows: statement.all(...params) as unknown[], meta: { changes: 0, last_row_id: 0 } }
  }
  // Every call here settles at once, so an await chain of them never lets Node's event loop turn:
  // sockets (the local proxy's keep-alive connections to workerd) would go unserviced for the whole
  // seed, and the first D1 call after it would fail with "other side closed". Yield now and then.
  let calls = 0
  const turn = async () => {
    if (++calls % 100 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  // Payload repeats the same few hundred statements; preparing each once halves the seed time.
  const prepared = new Map<string, StatementSync>()
  const prepare = (sql: string, params: SQLInputValue[] = []) => {
    let statement = prepared.get(sql)
    if (!statement) {
      statement = sqlite.prepare(sql)
      prepared.set(sql, statement)
    }
    const bound = statement
    const result = () => {
      const { rows, meta } = execute(bound, params)
      return { results: rows, success: true, meta: { ...meta, duration: 0 } }
    }
    return {
      bind: (...values: unknown[]) => prepare(sql, values.map(toSQL)),
      all: async () => {
        await turn()
        return result()
      },
      run: async () => {
        await turn()
        return result()
      },
      raw: async () => {
        await turn()
        return execute(bound, params, true).rows
      },
      first: async (column?: string) => {
        await turn()
        const row = result().results[0] as Record<string, unknown> | undefined
        return column ? (row?.[column] ?? null) : (row ?? null)
      },
      _sync: result,
    }
  }
  const binding = {
    prepare: (sql: string) => prepare(sql),
    batch: async (statements: ReturnType<typeof prepare>[]) => {
      await turn()
      sqlite.exec('BEGIN')
      try {
        const results = statements.map((statement) => statement._sync())
        sqlite.exec('COMMIT')
        return results
      } catch (error) {
        sqlite.exec('ROLLBACK')
        throw error
      }
    },
    exec: async (sql: string) => {
      sqlite.exec(sql)
      return { count: 0, duration: 0 }
    },
  }
  return { binding: binding as unknown as D1Database, sqlite }
}
