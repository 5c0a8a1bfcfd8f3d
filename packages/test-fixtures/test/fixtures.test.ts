import type { KVNamespace } from '@cloudflare/workers-types'
import type { DatabaseAdapterObj } from 'payload'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { databaseKinds, hasPostgres } from '../src/databases.js'
import type { KVFaultPlan } from '../src/kv.js'
import { faultyKV, instrumentKV } from '../src/kv.js'
import type { TestMiniflare } from '../src/miniflare.js'
import { startMiniflare } from '../src/miniflare.js'
import type { TestPair, TestPayload } from '../src/payload.js'
import { startPair, startPayload } from '../src/payload.js'
import { EDITOR_MAX_VIEWS } from '../src/schema.js'
import type { SeedResult } from '../src/seed.js'
import { seed } from '../src/seed.js'

const BOOT_TIMEOUT = 120_000

for (const kind of databaseKinds) {
  describe.skipIf(kind === 'postgres' && !hasPostgres())(`fixtures on ${kind}`, () => {
    let started: TestPayload
    let data: SeedResult

    beforeAll(async () => {
      started = await startPayload({ kind })
      data = await seed(started.payload, { posts: 20 })
    }, BOOT_TIMEOUT)
    afterAll(() => started?.cleanup())

    it('seeds the dataset it reports', async () => {
      const { payload } = started
      expect(data.posts).toHaveLength(20)
      expect(data.published.length + data.drafts.length).toBe(20)
      expect(data.drafts.length).toBeGreaterThan(0)
      expect(data.withNewerDraft.length).toBeGreaterThan(0)
      expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(20)
      expect((await payload.count({ collection: 'comments' })).totalDocs).toBe(data.comments.length)
      const child = await payload.findByID({
        collection: 'categories',
        id: data.categories.at(-1) ?? 0,
        depth: 1,
      })
      expect(child.parent).toMatchObject({ id: expect.anything() })
    })

    it('answers a find with where, sort, locale, select and joins', async () => {
      const result = await started.payload.find({
        collection: 'posts',
        where: {
          and: [{ _status: { equals: 'published' } }, { views: { greater_than_equal: 0 } }],
        },
        sort: '-publishedAt',
        locale: 'de',
        select: { title: true, slug: true, views: true, comments: true, meta: true },
        joins: { comments: { limit: 2, sort: '-createdAt' } },
        depth: 0,
        limit: 5,
      })
      expect(result.totalDocs).toBe(data.published.length)
      expect(result.docs).toHaveLength(5)
      const published = [...data.published].reverse().slice(0, 5)
      expect(result.docs.map((doc) => doc.id)).toEqual(published)
      for (const doc of result.docs) {
        expect(doc.title).toMatch(/\(de\)$/)
        expect(doc).not.toHaveProperty('author')
        expect(doc.comments).toMatchObject({ docs: expect.any(Array) })
        expect((doc.comments as { docs: unknown[] }).docs.length).toBeLessThanOrEqual(2)
      }
    })

    it('applies read access, so users see different posts through the same query', async () => {
      const { payload } = started
      const query = { collection: 'posts', overrideAccess: false, limit: 0, depth: 0 } as const
      const asAdmin = await payload.find({ ...query, user: data.users.admin })
      const asEditor = await payload.find({ ...query, user: data.users.editor })
      const anonymous = await payload.find(query)
      expect(asAdmin.totalDocs).toBe(20)
      expect(asEditor.docs.map((doc) => doc.id).sort()).toEqual([...data.readableByEditor].sort())
      expect(asEditor.docs.every((doc) => (doc.views as number) < EDITOR_MAX_VIEWS)).toBe(true)
      expect(anonymous.totalDocs).toBe(data.published.length)
    })

    it('serves newer drafts only to draft reads', async () => {
      const id = data.withNewerDraft[0] ?? 0
      const main = await started.payload.findByID({ collection: 'posts', id, depth: 0 })
      const draft = await started.payload.findByID({
        collection: 'posts',
        id,
        depth: 0,
        draft: true,
      })
      expect(main.title).not.toMatch(/\(draft\)$/)
      expect(draft.title).toMatch(/\(draft\)$/)
    })

    it('reads the localized header global with its nav', async () => {
      const en = await started.payload.findGlobal({ slug: 'header', depth: 1 })
      const de = await started.payload.findGlobal({ slug: 'header', locale: 'de', depth: 0 })
      expect(en.title).toBe('Welcome')
      expect(de.title).toBe('Willkommen')
      expect(en.nav).toHaveLength(3)
      expect((en.nav as Array<{ page: { title: string } }>)[0]?.page.title).toBe('Page 1')
    })

    it.runIf(kind === 'd1')(
      "reads the same through the fixture's D1 binding as through Miniflare's own",
      async () => {
        const { binding, proxy } = started.database.d1 ?? expect.unreachable('d1 bindings')
        const statements = [
          ['select id, slug, views from posts order by id limit ?', [3]],
          ['select count(*) as n from posts where views < ?', [EDITOR_MAX_VIEWS]],
        ] as const
        for (const [sql, params] of statements) {
          expect(
            await binding
              .prepare(sql)
              .bind(...params)
              .raw(),
          ).toEqual(
            await proxy
              .prepare(sql)
              .bind(...params)
              .raw(),
          )
          expect(
            await binding
              .prepare(sql)
              .bind(...params)
              .first(),
          ).toEqual(
            await proxy
              .prepare(sql)
              .bind(...params)
              .first(),
          )
          const [viaFixture, viaProxy] = [
            await binding
              .prepare(sql)
              .bind(...params)
              .all(),
            await proxy
              .prepare(sql)
              .bind(...params)
              .all(),
          ]
          expect(viaFixture.results).toEqual(viaProxy.results)
          expect(Object.keys(viaFixture.meta).sort()).toEqual(Object.keys(viaProxy.meta).sort())
        }
        const batch = (db: typeof binding) =>
          db.batch([db.prepare('select 1 as one'), db.prepare('select ? as two').bind(2)])
        expect((await batch(binding)).map((r) => r.results)).toEqual(
          (await batch(proxy)).map((r) => r.results),
        )
        const failure = (db: typeof binding) =>
          db
            .prepare('insert into posts (id, slug) values (?, ?)')
            .bind(data.posts[0] ?? 0, 'x')
            .run()
        const [fixtureError, proxyError] = await Promise.all([
          failure(binding).catch((e: Error) => e),
          failure(proxy).catch((e: Error) => e),
        ])
        expect(fixtureError).toBeInstanceOf(Error)
        expect((fixtureError as Error).message).toBe((proxyError as Error).message)
      },
    )
  })

  describe.skipIf(kind === 'postgres' && !hasPostgres())(
    `a plain and a cached instance on one ${kind} database`,
    () => {
      let pair: TestPair
      const wrapped: DatabaseAdapterObj[] = []

      beforeAll(async () => {
        pair = await startPair({
          kind,
          wrap: (factory) => {
            wrapped.push(factory)
            return factory
          },
        })
      }, BOOT_TIMEOUT)
      afterAll(() => pair?.cleanup())

      it('wraps only the cached instance', () => {
        expect(wrapped).toHaveLength(1)
        expect(pair.plain).not.toBe(pair.cached)
        expect(pair.plain.db).not.toBe(pair.cached.db)
      })

      it('shows a write through either instance to the other', async () => {
        const category = await pair.plain.create({
          collection: 'categories',
          data: { name: 'from plain' },
        })
        expect(
          (await pair.cached.findByID({ collection: 'categories', id: category.id })).name,
        ).toBe('from plain')
        await pair.cached.update({
          collection: 'categories',
          id: category.id,
          data: { name: 'from cached' },
        })
        expect(
          (await pair.plain.findByID({ collection: 'categories', id: category.id })).name,
        ).toBe('from cached')
      })
    },
  )
}

describe('seed', () => {
  it(
    'writes the same data with the same ids on every run',
    async () => {
      const runs = await Promise.all([
        startPayload({ kind: 'sqlite' }),
        startPayload({ kind: 'sqlite' }),
      ])
      try {
        const snapshots = await Promise.all(
          runs.map(async ({ payload }) => {
            const ids = await seed(payload, { posts: 6, seed: 7 })
            const { docs } = await payload.find({
              collection: 'posts',
              draft: true,
              depth: 0,
              locale: 'all',
              limit: 0,
              sort: 'id',
            })
            const { docs: comments } = await payload.find({
              collection: 'comments',
              depth: 0,
              limit: 0,
              sort: 'id',
            })
            return JSON.stringify({ ids, docs, comments }, (key, value) =>
              /^(createdAt|updatedAt|exp|hash|salt)$/.test(key) ? undefined : value,
            )
          }),
        )
        expect(snapshots[0]).toBe(snapshots[1])
      } finally {
        await Promise.all(runs.map((run) => run.cleanup()))
      }
    },
    BOOT_TIMEOUT,
  )
})

describe('startPayload', () => {
  it(
    'lets two instances share one KV namespace',
    async () => {
      const first = await startPayload({ kind: 'sqlite' })
      try {
        const second = await startPayload({ kind: 'sqlite', kv: first.kv })
        try {
          expect(second.kv).toBe(first.kv)
          expect(second.database.location).not.toBe(first.database.location)
        } finally {
          await second.cleanup()
        }
        // The second cleanup must not have disposed the shared namespace.
        await first.kv.put('still', 'there')
        expect(await first.kv.get('still')).toBe('there')
      } finally {
        await first.cleanup()
      }
    },
    BOOT_TIMEOUT,
  )
})

describe.skipIf(!hasPostgres())('cleanup on PostgreSQL', () => {
  it(
    'closes every connection on the server before the database is dropped',
    async () => {
      // A backend still alive when the database is dropped WITH (FORCE) answers 57P01 on a
      // connection nobody listens to any more: an uncaught error that fails the whole run.
      for (let round = 0; round < 4; round++) {
        const started = await startPayload({ kind: 'postgres' })
        try {
          await Promise.all(
            Array.from({ length: 8 }, (_, n) =>
              started.payload.create({ collection: 'categories', data: { name: `c${n}` } }),
            ),
          )
          const counts = await Promise.all(
            Array.from({ length: 8 }, () => started.payload.count({ collection: 'categories' })),
          )
          expect(counts.map((c) => c.totalDocs)).toEqual(Array(8).fill(8))
          const name = new URL(started.database.location).pathname.slice(1)
          expect(await sessionsOn(name)).toBeGreaterThan(1)
          await started.payload.destroy()
          await started.database.disconnect()
          expect(await sessionsOn(name), `round ${round}`).toBe(0)
        } finally {
          await started.cleanup()
        }
      }
    },
    BOOT_TIMEOUT,
  )
})

/** Sessions the server has open on database `name`, asked over a connection to another one. */
async function sessionsOn(name: string): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1',
      [name],
    )
    return rows[0]?.n ?? 0
  } finally {
    await client.end()
  }
}

describe('KV test doubles', () => {
  let mf: TestMiniflare
  let kv: KVNamespace
  let n = 0
  /** A key no other test uses, so the tests can share one namespace. */
  const key = (name: string): string => `t${++n}:${name}`

  beforeAll(async () => {
    mf = await startMiniflare()
    kv = mf.kv
  }, BOOT_TIMEOUT)
  afterAll(() => mf?.dispose())
  afterEach(() => {
    vi.useRealTimers()
  })

  it('instrumentKV counts operations by type, a bulk get once, and keys read as billed', async () => {
    const { kv: counted, counts, reset } = instrumentKV(kv)
    const [a, b] = [key('a'), key('b')]
    await counted.put(a, 'A', { expirationTtl: 60, metadata: { v: 1 } })
    await counted.put(b, JSON.stringify({ b: true }))
    expect(await counted.get(a, { type: 'text', cacheTtl: 60 })).toBe('A')
    expect(await counted.get(b, 'json')).toEqual({ b: true })
    const bulk = await counted.get([a, b, key('missing')])
    expect(bulk).toBeInstanceOf(Map)
    expect([...bulk.values()]).toEqual(['A', '{"b":true}', null])
    expect((await counted.getWithMetadata(a)).metadata).toEqual({ v: 1 })
    expect((await counted.list({ prefix: a })).keys.map((k) => k.name)).toEqual([a])
    await counted.delete(a)
    expect(counts).toEqual({
      get: 4,
      getBulk: 1,
      keysRead: 6, // billed per key: the bulk get of 3 is 3 reads
      put: 2,
      delete: 1,
      list: 1,
      total: 8,
    })
    reset()
    expect(counts.total).toBe(0)
  })

  it('faultyKV makes chosen calls fail, and recovers when the plan changes', async () => {
    const plan: KVFaultPlan = { fail: ['put'] }
    const faulty = faultyKV(kv, plan)
    const k = key('fail')
    await expect(faulty.put(k, 'x')).rejects.toThrow(/KV PUT failed: 500/)
    expect(await faulty.get(k)).toBeNull()
    plan.fail = ({ method, keys }) => method === 'get' && keys.includes(k)
    await faulty.put(k, 'x')
    await expect(faulty.get(k)).rejects.toThrow(/KV GET failed/)
    plan.fail = false
    expect(await faulty.get(k)).toBe('x')
  })

  it('faultyKV hangs chosen calls forever', async () => {
    const faulty = faultyKV(kv, { hang: true })
    const outcome = await Promise.race([
      faulty.get(key('hang')).then(() => 'settled'),
      new Promise((resolve) => setTimeout(resolve, 50, 'still waiting')),
    ])
    expect(outcome).toBe('still waiting')
  })

  it('faultyKV rejects a second write to one key within the rate limit with a 429', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const faulty = faultyKV(kv, { rateLimitWrites: true })
    const k = key('rate')
    await faulty.put(k, '1')
    await faulty.put(key('other'), '1')
    await expect(faulty.put(k, '2')).rejects.toThrow(/429/)
    await expect(faulty.delete(k)).rejects.toThrow(/429/)
    vi.advanceTimersByTime(1000)
    await faulty.put(k, '3')
    expect(await kv.get(k)).toBe('3')
  })

  it('faultyKV keeps a write invisible to its readers for visibilityDelayMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const faulty = faultyKV(kv, { visibilityDelayMs: 500 })
    const prefix = key('lag')
    const [k, fresh, gone] = [`${prefix}/changed`, `${prefix}/created`, `${prefix}/deleted`]
    await kv.put(k, JSON.stringify({ v: 'old' }), { metadata: { m: 'old' } })
    await kv.put(gone, 'here')

    await faulty.put(k, JSON.stringify({ v: 'new' }), { metadata: { m: 'new' } })
    await faulty.put(fresh, 'new')
    await faulty.delete(gone)

    // The real namespace has every write; readers through the double still see the old state.
    expect(await kv.get(k, 'json')).toEqual({ v: 'new' })
    expect(await kv.get(gone)).toBeNull()
    expect(await faulty.get(k, 'json')).toEqual({ v: 'old' })
    expect(await faulty.getWithMetadata(k, 'json')).toMatchObject({
      value: { v: 'old' },
      metadata: { m: 'old' },
    })
    expect(await faulty.get(fresh)).toBeNull()
    expect(await faulty.get(gone)).toBe('here')
    expect([...(await faulty.get([k, fresh, gone])).values()]).toEqual([
      JSON.stringify({ v: 'old' }),
      null,
      'here',
    ])
    const listed = (await faulty.list({ prefix })).keys.map((entry) => entry.name)
    expect(listed).toContain(k)
    expect(listed).toContain(gone)
    expect(listed).not.toContain(fresh)

    vi.advanceTimersByTime(500)
    expect(await faulty.get(k, 'json')).toEqual({ v: 'new' })
    expect(await faulty.get(fresh)).toBe('new')
    expect(await faulty.get(gone)).toBeNull()
    const after = (await faulty.list({ prefix })).keys.map((entry) => entry.name)
    expect(after).toContain(fresh)
    expect(after).not.toContain(gone)
  })
})
