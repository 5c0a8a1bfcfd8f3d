import { getPayload, type Payload } from 'payload'
import { smokeScenario } from 'payload-kv-cache-example-shared/test'
import pg from 'pg'
import { afterAll, beforeAll, test } from 'vitest'
import { type CloudflareContext, getCloudflareContext } from '../src/cloudflare.js'
import { createConfig, destroyPayload } from '../src/config.js'

// `pnpm test` at the root starts a private PostgreSQL and sets DATABASE_URL.
const server = process.env.DATABASE_URL
const database = `example_postgres_smoke_${process.pid}_${Date.now()}`

const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: server })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

let cloudflare: CloudflareContext
let payload: Payload

beforeAll(async () => {
  if (!server) return
  await admin((client) => client.query(`CREATE DATABASE "${database}"`))
  const url = new URL(server)
  url.pathname = `/${database}`
  // Fresh in-memory KV from wrangler.jsonc, as `pnpm start` makes it, not persisted.
  cloudflare = await getCloudflareContext({ persist: false })
  payload = await getPayload({
    // The scenario counts hits: no hedge (a local KV read can be slower than local PostgreSQL, and
    // the database would answer a read the cache holds) and no timeouts on a loaded machine.
    config: createConfig({
      ...cloudflare,
      connectionString: url.toString(),
      logLevel: 'warn',
      cache: { hedgeMs: false, timeoutMs: 10_000 },
    }),
    key: database,
  })
})

afterAll(async () => {
  if (payload) await destroyPayload(payload)
  await cloudflare?.dispose()
  if (server)
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))
})

test.skipIf(!server)(
  'the PostgreSQL example creates a post and reads it back, the second time from the cache',
  () => smokeScenario(payload),
)
