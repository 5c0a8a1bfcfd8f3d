import type { PostgresAdapter } from '@payloadcms/db-postgres'
import { postgresAdapter } from '@payloadcms/db-postgres'
import { buildConfig, getPayload, type Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const serverUrl = process.env.DATABASE_URL
// A database of its own per run, so a second run (or a shared DATABASE_URL) starts empty.
const database = `smoke_${process.pid}_${Date.now()}`

describe('Payload on PostgreSQL', () => {
  let payload: Payload

  beforeAll(async () => {
    if (!serverUrl) {
      throw new Error(
        'DATABASE_URL is not set. Run the tests with `npx -y pnpm@10.34.9 test`, which starts ' +
          'PostgreSQL through scripts/with-postgres.mjs, or point DATABASE_URL at a server.',
      )
    }
    const url = new URL(serverUrl)
    url.pathname = `/${database}`
    const config = buildConfig({
      collections: [{ slug: 'notes', fields: [{ name: 'title', type: 'text', required: true }] }],
      // Payload creates the missing database, then pushes the schema.
      db: postgresAdapter({ pool: { connectionString: url.toString() }, push: true }),
      logger: { options: { level: 'error' } },
      secret: 'smoke-test-secret',
      telemetry: false,
      // Otherwise Payload spawns `payload generate:types`, a child process that outlives the test.
      typescript: { autoGenerate: false },
    })
    payload = await getPayload({ config, key: `smoke-postgres-${database}` })
  })

  afterAll(async () => {
    if (!payload) return
    const db = payload.db as unknown as PostgresAdapter
    await payload.destroy()
    // destroy() leaves the pg pool open, and the database cannot be dropped while it is.
    await db.pool?.end()
    const admin = new db.pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
    await admin.end()
  })

  it('creates a document and finds it again', async () => {
    const created = await payload.create({ collection: 'notes', data: { title: 'Hello Postgres' } })

    const found = await payload.find({
      collection: 'notes',
      where: { title: { equals: 'Hello Postgres' } },
    })
    expect(found.totalDocs).toBe(1)
    expect(found.docs[0]?.id).toBe(created.id)
    expect((await payload.findByID({ collection: 'notes', id: created.id })).title).toBe(
      'Hello Postgres',
    )
  })
})
