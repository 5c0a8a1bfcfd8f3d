import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type SQLiteAdapter, sqliteAdapter } from '@payloadcms/db-sqlite'
import { buildConfig, getPayload, type Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

describe('Payload on sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payload-kv-cache-smoke-sqlite-'))
  let payload: Payload

  beforeAll(async () => {
    const config = buildConfig({
      collections: [{ slug: 'notes', fields: [{ name: 'title', type: 'text', required: true }] }],
      db: sqliteAdapter({ client: { url: `file:${join(dir, 'smoke.db')}` }, push: true }),
      logger: { options: { level: 'error' } },
      secret: 'smoke-test-secret',
      telemetry: false,
      // Otherwise Payload spawns `payload generate:types`, a child process that outlives the test.
      typescript: { autoGenerate: false },
    })
    payload = await getPayload({ config, key: `smoke-sqlite-${dir}` })
  })

  afterAll(async () => {
    if (payload) {
      const db = payload.db as unknown as SQLiteAdapter
      await payload.destroy()
      // destroy() leaves the libsql client open.
      db.client.close()
    }
    rmSync(dir, { force: true, recursive: true })
  })

  it('creates a document and finds it again', async () => {
    const created = await payload.create({ collection: 'notes', data: { title: 'Hello sqlite' } })

    const found = await payload.find({
      collection: 'notes',
      where: { title: { equals: 'Hello sqlite' } },
    })
    expect(found.totalDocs).toBe(1)
    expect(found.docs[0]?.id).toBe(created.id)
  })
})
