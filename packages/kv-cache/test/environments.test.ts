import { type DatabaseKind, hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { describe, expect, it } from 'vitest'
import { databaseIdentity } from '../src/dependencies/databaseIdentity.js'
import { settled, withKVCache } from '../src/index.js'

/**
 * Two environments (staging and production) with the same schema and their own databases, behind
 * one KV namespace and the default `namespace`: neither may read the other's entries.
 */
const environments = (kind: DatabaseKind) =>
  describe.skipIf(kind === 'postgres' && !hasPostgres())(`two databases, one KV (${kind})`, () => {
    it('never serves one database’s entry to the other', async () => {
      const started: TestPayload[] = []
      try {
        const production = await startPayload({
          kind,
          wrap: (f, kv) => withKVCache(f, kv, steady()),
        })
        started.push(production)
        const staging = await startPayload({
          kind,
          kv: production.kv,
          wrap: (f, kv) => withKVCache(f, kv, steady()),
        })
        started.push(staging)
        const find = (env: TestPayload) =>
          env.payload.find({ collection: 'categories', depth: 0, sort: 'id' })
        // The same writes in the same order: the same ids, the same token snapshot, one query.
        for (const [env, name] of [
          [production, 'Production news'],
          [staging, 'Staging news'],
        ] as const) {
          await env.payload.create({ collection: 'categories', data: { name } })
        }
        expect((await find(production)).docs.map((doc) => doc.name)).toEqual(['Production news'])
        await settled(production.payload)
        expect((await find(staging)).docs.map((doc) => doc.name)).toEqual(['Staging news'])
      } finally {
        for (const env of started.reverse()) await env.cleanup()
      }
    })
  })

environments('sqlite')
environments('postgres')

describe('the database identity in every key', () => {
  it('names the server and database of a PostgreSQL pool, never the password', () => {
    const at = (connectionString: string) => databaseIdentity({ poolOptions: { connectionString } })
    expect(at('postgres://app:s3cret@db.internal:6543/shop')).toBe('pg:db.internal:6543/shop')
    expect(at('postgres://app:other@db.internal:6543/shop')).toBe(
      at('postgres://db.internal:6543/shop'),
    )
    expect(at('postgres://db.internal/staging')).not.toBe(at('postgres://db.internal/shop'))
    expect(at('host=db.internal dbname=shop password=s3cret')).not.toContain('s3cret')
    expect(databaseIdentity({ poolOptions: { host: 'db', port: 5433, database: 'shop' } })).toBe(
      'pg:db:5433/shop',
    )
  })

  it('names the same database for every Hyperdrive binding object (a random host each)', () => {
    const at = (connectionString: string) => databaseIdentity({ poolOptions: { connectionString } })
    const cached = at(
      'postgresql://app:x@0123456789abcdef0123456789abcdef.hyperdrive.local:5432/shop',
    )
    const uncached = at(
      'postgresql://app:y@fedcba9876543210fedcba9876543210.hyperdrive.local:5432/shop',
    )
    expect(cached).toBe('pg:hyperdrive/shop')
    expect(uncached).toBe(cached)
    expect(at('postgresql://app:x@abc.hyperdrive.local:5432/staging')).not.toBe(cached)
  })

  it('names a sqlite URL, and nothing for a D1 binding', () => {
    expect(databaseIdentity({ clientConfig: { url: 'file:./prod.db' } })).toBe(
      'sqlite:file:./prod.db',
    )
    expect(databaseIdentity({ name: 'sqlite' })).toBeUndefined()
  })
})
