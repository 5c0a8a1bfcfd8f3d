import type { BaseDatabaseAdapter, DatabaseAdapterObj, Payload } from 'payload'
import { startMiniflare, type TestMiniflare } from 'payload-kv-cache-test-fixtures/miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KVCacheOptions, withKVCache } from '../src/index.js'
import { recordFill } from '../src/read/recordFill.js'
import type { CacheEvent } from '../src/types.js'

/**
 * Start-up is never silent about a layer that can answer older than the database's primary: what
 * the cache detects from the wrapped adapter's own options (D1's `readReplicas` and a binding that
 * is a session, PostgreSQL's `readReplicas`, a Hyperdrive connection, a libSQL embedded replica) is
 * either handled (said once as `info`) or not stored / not guaranteed (said once as `warn`), and
 * emitted as a `topology` event. Nothing to say for a database that cannot lag.
 */
const title = { name: 'title', type: 'text' }
const HYPERDRIVE =
  'postgresql://app:secret@0123456789abcdef0123456789abcdef.hyperdrive.local:5432/shop'

/** A D1 binding and a session of it, as far as start-up looks at them. */
const d1Session = { prepare: () => ({}), batch: async () => [], getBookmark: () => null }
const d1Binding = {
  prepare: () => ({}),
  batch: async () => [],
  exec: async () => ({}),
  withSession: () => d1Session,
}

let mf: TestMiniflare
beforeAll(async () => {
  mf = await startMiniflare()
})
afterAll(() => mf?.dispose())

/** Starts the cache over an adapter object shaped as `own` says; what it logged and emitted. */
const start = async (own: Record<string, unknown>, options: KVCacheOptions = {}) => {
  const lines: Array<{ level: string; message: string }> = []
  const events: CacheEvent[] = []
  const logger = Object.fromEntries(
    ['info', 'warn', 'error', 'debug'].map((level) => [
      level,
      (message: unknown) => lines.push({ level, message: String(message) }),
    ]),
  )
  const payload = {
    config: {
      collections: [{ slug: 'posts', fields: [title], flattenedFields: [title] }],
      globals: [],
    },
    logger,
  } as unknown as Payload
  const factory: DatabaseAdapterObj = {
    name: 'test',
    defaultIDType: 'number',
    init: () =>
      ({ name: 'test', connect: async () => {}, ...own }) as unknown as BaseDatabaseAdapter,
  }
  const db = withKVCache(factory, mf.kv, {
    ...options,
    onEvent: (event) => events.push(event),
  }).init({ payload }) as BaseDatabaseAdapter
  await db.connect?.()
  await db.connect?.() // a hot reload says nothing new
  const said = lines.filter((line) => line.message.startsWith('payload-kv-cache:'))
  return { said, topology: events.filter((event) => event.type === 'topology'), db }
}

describe('what start-up says about layers that lag behind the primary', () => {
  it('D1 with read replication: handled, said once', async () => {
    const { said, topology } = await start({ binding: d1Binding, readReplicas: 'first-primary' })
    expect(said).toEqual([
      { level: 'info', message: expect.stringContaining('D1 read replication') },
    ])
    expect(topology).toEqual([
      expect.objectContaining({ layer: 'd1-replicas', handling: 'handled' }),
    ])
  })

  it('a D1 binding that is already a session: said loudly, fills behind it are not stored', async () => {
    const { said, topology } = await start({ binding: d1Session })
    expect(said).toEqual([{ level: 'warn', message: expect.stringContaining('is a session') }])
    expect(topology).toEqual([
      expect.objectContaining({ layer: 'd1-replicas', handling: 'not-stored' }),
    ])
  })

  it('a render filling a page cache through a D1 binding that is already a session: recorded as lagging', async () => {
    const find = async () => ({ docs: [{ id: 1, title: 'from some replica' }] })
    const { db } = await start({ binding: d1Session, find })
    const fill = await recordFill(() => db.find({ collection: 'posts', where: {} } as never))
    expect(fill.lagging).toEqual(['posts'])
    const moved = await start({ binding: d1Binding, readReplicas: 'first-primary', find })
    expect(
      (await recordFill(() => moved.db.find({ collection: 'posts' } as never))).lagging,
    ).toEqual([])
  })

  it('D1 without read replication, and a plain PostgreSQL pool: nothing to say', async () => {
    expect((await start({ binding: d1Binding })).said).toEqual([])
    expect((await start({ poolOptions: { connectionString: 'postgres://db/shop' } })).said).toEqual(
      [],
    )
  })

  it('PostgreSQL read replicas: handled with Payload’s routing, not stored without it', async () => {
    const handled = await start({
      poolOptions: { connectionString: 'postgres://primary/shop' },
      readReplicaOptions: ['postgres://replica/shop'],
      readReplicasAfterWriteInterval: 2000,
    })
    expect(handled.said).toEqual([
      { level: 'info', message: expect.stringContaining("the primary's WAL position") },
    ])
    const old = await start({
      poolOptions: { connectionString: 'postgres://primary/shop' },
      readReplicaOptions: ['postgres://replica/shop'],
    })
    expect(old.said).toEqual([
      { level: 'warn', message: expect.stringContaining("without Payload's read-after-write") },
    ])
    expect(old.topology).toEqual([
      expect.objectContaining({ layer: 'postgres-replicas', handling: 'not-stored' }),
    ])
  })

  it('a Hyperdrive connection without the hyperdrive option: said loudly, young fills not stored', async () => {
    const { said, topology } = await start({ poolOptions: { connectionString: HYPERDRIVE } })
    expect(said).toEqual([
      { level: 'warn', message: expect.stringMatching(/through Hyperdrive.*within 75 s/) },
    ])
    expect(topology).toEqual([
      expect.objectContaining({ layer: 'hyperdrive', handling: 'not-stored' }),
    ])
    // Told that caching is off: nothing to say.
    const off = await start(
      { poolOptions: { connectionString: HYPERDRIVE } },
      { hyperdrive: false },
    )
    expect(off.said).toEqual([])
  })

  it("Cloudflare's two Hyperdrive bindings (uncached pool, cached replicas): handled", async () => {
    const { said } = await start(
      {
        poolOptions: { connectionString: HYPERDRIVE },
        readReplicaOptions: [HYPERDRIVE.replace('0123', '4567')],
        readReplicasAfterWriteInterval: 2000,
      },
      { hyperdrive: { cached: 'replicas' } },
    )
    expect(said.map((line) => line.level)).toEqual(['info', 'info'])
    expect(said[0]?.message).toMatch(/read from the pool \(uncached\)/)
  })

  it('every connection cached by Hyperdrive, as configured: said loudly', async () => {
    const { said } = await start(
      { poolOptions: { connectionString: HYPERDRIVE } },
      { hyperdrive: { cached: 'all', maxAge: 30, staleWhileRevalidate: 0 } },
    )
    expect(said).toEqual([{ level: 'warn', message: expect.stringContaining('within 30 s') }])
  })

  it('a libSQL embedded replica: not guaranteed, said loudly', async () => {
    const { said, topology } = await start({
      clientConfig: { url: 'file:local.db', syncUrl: 'libsql://db.turso.io' },
    })
    expect(said).toEqual([{ level: 'warn', message: expect.stringContaining('embedded replica') }])
    expect(topology).toEqual([
      expect.objectContaining({ layer: 'libsql-replica', handling: 'not-guaranteed' }),
    ])
  })

  it('the hyperdrive option on an adapter that is not PostgreSQL: said, ignored', async () => {
    const { said } = await start({ binding: d1Binding }, { hyperdrive: { cached: 'all' } })
    expect(said).toEqual([{ level: 'warn', message: expect.stringContaining('ignored') }])
  })
})
