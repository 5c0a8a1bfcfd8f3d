import type { D1Database } from '@cloudflare/workers-types'
import { getPayload, type Payload } from 'payload'
import { flush, KVCacheConfigError } from 'payload-kv-cache'
import { type Content, isSeeded, type SeedSummary, seed } from 'payload-kv-cache-example-shared'
import { createConfig } from '../config.js'
import { memoryD1 } from './memoryD1.js'

export type SeedD1Result = (SeedSummary & { rows: number }) | undefined

/**
 * Seeds the D1 database behind `payload` if it has no posts: `content` goes through Payload's
 * Local API into an in-memory SQLite with the same adapter and schema, and the resulting rows are
 * copied into D1 with a few `exec` calls. Every row is made by Payload; only the transport is bulk.
 */
export const seedD1 = async (
  payload: Payload,
  d1: D1Database,
  content: Content,
): Promise<SeedD1Result> => {
  if (await isSeeded(payload)) return undefined
  const scratch = memoryD1()
  // A second database with the same schema in this process: Payload skips the push unless forced.
  const force = process.env.PAYLOAD_FORCE_DRIZZLE_PUSH
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
  let summary: SeedSummary
  try {
    const config = createConfig({
      env: { D1: scratch.binding, CACHE: undefined as never },
      waitUntil: () => {},
      cache: false,
      logLevel: 'error',
    })
    const builder = await getPayload({ config, key: `seed-${Date.now()}` })
    summary = await seed(builder, content)
    await builder.destroy()
  } finally {
    if (force === undefined) delete process.env.PAYLOAD_FORCE_DRIZZLE_PUSH
    else process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = force
  }

  let rows = 0
  for (const table of tablesParentsFirst(scratch.sqlite)) {
    const records = scratch.sqlite.prepare(`SELECT * FROM "${table}"`).all()
    if (!records.length) continue
    for (const sql of insertStatements(table, records)) await d1.exec(sql)
    rows += records.length
  }
  scratch.sqlite.close()
  // The rows reached D1 behind the adapter's back: make anything cached before now stale.
  await flush(payload).catch((error) => {
    if (!(error instanceof KVCacheConfigError)) throw error // (thrown when there is no cache)
  })
  return { ...summary, rows }
}

/** Every table with data worth copying, each after the tables its foreign keys point to. */
const tablesParentsFirst = (sqlite: ReturnType<typeof memoryD1>['sqlite']): string[] => {
  const names = (
    sqlite
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'payload_migrations'`,
      )
      .all() as { name: string }[]
  ).map((row) => row.name)
  const ordered: string[] = []
  const visit = (name: string, path: Set<string>) => {
    if (ordered.includes(name) || path.has(name)) return
    path.add(name)
    const parents = sqlite.prepare(`SELECT "table" FROM pragma_foreign_key_list(?)`).all(name) as {
      table: string
    }[]
    for (const { table } of parents) if (table !== name && names.includes(table)) visit(table, path)
    ordered.push(name)
  }
  for (const name of names) visit(name, new Set())
  return ordered
}

/**
 * Multi-row INSERTs with the values written out as SQL literals, for `D1Database.exec`, which
 * runs many statements (one per line) in one call. Through the local proxy every `prepare` and
 * `bind` is a round trip of its own (~10 ms), so prepared statements would cost a minute here.
 * Each chunk stays under D1's 100 KB limit on a statement.
 */
const insertStatements = (table: string, records: Record<string, unknown>[]): string[] => {
  const first = records[0] ?? {}
  const columns = Object.keys(first)
  const head = `INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) VALUES `
  const chunks: string[] = []
  let values: string[] = []
  let size = 0
  for (const record of records) {
    const row = `(${columns.map((column) => sqlLiteral(record[column])).join(', ')})`
    if (values.length && size + row.length > 90_000) {
      chunks.push(`${head}${values.join(', ')};`)
      values = []
      size = 0
    }
    values.push(row)
    size += row.length + 2
  }
  if (values.length) chunks.push(`${head}${values.join(', ')};`)
  // A few statements per `exec` call: one statement per line.
  const calls: string[] = []
  for (let i = 0; i < chunks.length; i += 10) calls.push(chunks.slice(i, i + 10).join('\n'))
  return calls
}

const sqlLiteral = (value: unknown): string => {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value instanceof Uint8Array) return `X'${Buffer.from(value).toString('hex')}'`
  // Quotes doubled; line breaks spelled out, since `exec` splits statements at line breaks.
  return `'${String(value)
    .replaceAll("'", "''")
    .replaceAll('\r', "' || char(13) || '")
    .replaceAll('\n', "' || char(10) || '")}'`
}
