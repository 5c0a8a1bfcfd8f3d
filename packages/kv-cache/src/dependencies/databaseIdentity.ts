import { fingerprint } from '../storage/hashes.js'

type AdapterLocation = {
  name?: string
  poolOptions?: unknown
  clientConfig?: unknown
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined

/** `host:port/database` of a PostgreSQL connection string, without user or password. */
const postgresLocation = (connectionString: string): string => {
  try {
    const url = new URL(connectionString)
    // `?host=/var/run/postgresql` (a socket) and `?options=` can name the server too.
    const host = url.searchParams.get('host') ?? url.hostname
    // A Hyperdrive binding names a random host per binding object (`<32 hex>.hyperdrive.local`):
    // the same database in every isolate, and through a cached or an uncached configuration.
    if (host.toLowerCase().endsWith('.hyperdrive.local')) return `hyperdrive${url.pathname}`
    return `${host}:${url.port || '5432'}${url.pathname}`
  } catch {
    // Not a URL (`host=… dbname=…`): keep what names the server, drop the password.
    return connectionString.replace(/password\s*=\s*\S+/gi, '')
  }
}

/**
 * Which database the adapter talks to, as far as its options say, without secrets: part of every
 * entry key, so two databases behind one KV namespace and one `namespace` (staging and production
 * sharing a namespace) never read each other's entries. A D1 binding names no database: `undefined`.
 */
export const databaseIdentity = (adapter: AdapterLocation): string | undefined => {
  const pool = record(adapter.poolOptions)
  if (pool) {
    if (typeof pool.connectionString === 'string') {
      return `pg:${postgresLocation(pool.connectionString)}`
    }
    const host = pool.host ?? process.env.PGHOST ?? 'localhost'
    const port = pool.port ?? process.env.PGPORT ?? 5432
    const database = pool.database ?? process.env.PGDATABASE ?? ''
    if (String(host).toLowerCase().endsWith('.hyperdrive.local')) return `pg:hyperdrive/${database}`
    return `pg:${String(host)}:${String(port)}/${String(database)}`
  }
  const client = record(adapter.clientConfig)
  if (client && typeof client.url === 'string') return `sqlite:${client.url}`
  return undefined
}

/**
 * The keyspace of every entry: the schema fingerprint combined with the database identity, when
 * there is one. Entries written under another schema or for another database are in another
 * keyspace and never read.
 */
export const keyspaceOf = (schema: string, database: string | undefined): string =>
  database === undefined ? schema : fingerprint(`${schema}|${database}`)
