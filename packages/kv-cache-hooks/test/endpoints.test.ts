import { randomUUID } from 'node:crypto'
import type { KVNamespace } from '@cloudflare/workers-types'
import {
  createLocalReq,
  getPayload,
  handleEndpoints,
  type Payload,
  type PayloadRequest,
  type Plugin,
  type SanitizedConfig,
} from 'payload'
import { getCacheStats, withKVCache } from 'payload-kv-cache'
import { createDatabase, type TestDatabase } from 'payload-kv-cache-test-fixtures/databases'
import { startMiniflare, type TestMiniflare } from 'payload-kv-cache-test-fixtures/miniflare'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboardViewData } from '../src/dashboard/viewData.js'
import {
  type KVCacheEndpointsOptions,
  type KVCacheStatsResponse,
  kvCachePlugin,
} from '../src/index.js'

/** A second auth collection: its users can log in, but they are not admin users. */
const members: Plugin = (config) => ({
  ...config,
  collections: [...(config.collections ?? []), { slug: 'members', auth: true, fields: [] }],
})

type RestPayload = {
  payload: Payload
  kv: KVNamespace
  data: SeedResult
  /** Sends a request through Payload's REST handler, as the Next.js route (or any server) does. */
  rest(
    method: 'GET' | 'POST',
    path: string,
    options?: { token?: string; body?: string; headers?: Record<string, string> },
  ): Promise<Response>
  /** Logs in through the Local API and returns the JWT. */
  login(collection: 'members' | 'users', user: { email?: string | null }): Promise<string>
  /** Waits for the cache's background KV writes (entries being stored). */
  filled(): Promise<void>
  cleanup(): Promise<void>
}

/**
 * Payload's REST handler (`handleEndpoints`) finds its instance through `getPayload` by key, so
 * this boots through `getPayload` with a key of its own rather than through `startPayload`.
 */
const startRestPayload = async (
  endpoints: true | KVCacheEndpointsOptions,
): Promise<RestPayload> => {
  let database: TestDatabase | undefined
  let mf: TestMiniflare | undefined
  let payload: Payload | undefined
  const cleanup = async () => {
    await payload?.destroy()
    await database?.cleanup()
    await mf?.dispose()
  }
  try {
    database = await createDatabase('sqlite')
    mf = await startMiniflare()
    const fills = new Set<Promise<unknown>>()
    const config: SanitizedConfig = await buildTestConfig({
      db: withKVCache(database.adapter, mf.kv, {
        waitUntil: (promise) => {
          fills.add(promise)
          void promise.finally(() => fills.delete(promise))
        },
      }),
      plugins: [members, kvCachePlugin({ endpoints })],
    })
    const key = `payload-kv-cache-hooks-${randomUUID()}`
    payload = await getPayload({ config, key, cron: true })
    const data = await seed(payload, { posts: 6 })
    await payload.create({
      collection: 'members',
      data: { email: 'member@example.com', password: data.password },
    })
    const started = payload
    return {
      payload,
      kv: mf.kv,
      data,
      rest: (method, path, { token, body, headers } = {}) =>
        handleEndpoints({
          config,
          payloadInstanceCacheKey: key,
          request: new Request(`http://localhost:3000/api${path}`, {
            method,
            headers: {
              ...headers,
              ...(token ? { Authorization: `JWT ${token}` } : {}),
              ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body }),
          }),
        }),
      login: async (collection, { email }) => {
        if (!email) throw new Error('a user without an email cannot log in')
        const { token } = await started.login({
          collection,
          data: { email, password: data.password },
        })
        if (!token) throw new Error(`no token for ${email}`)
        return token
      },
      filled: async () => {
        while (fills.size) await Promise.all(fills)
      },
      cleanup,
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/** The libsql client under `@payloadcms/db-sqlite`, for a write the cache does not see. */
type SqliteDrizzle = {
  drizzle: { $client: { execute(query: { sql: string; args: unknown[] }): Promise<unknown> } }
}

/** Every key in the namespace, through as many `list` pages as it takes. */
const allKeys = async (kv: KVNamespace): Promise<string[]> => {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await kv.list(cursor ? { cursor } : {})
    keys.push(...page.keys.map((key) => key.name))
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return keys
}

const errorOf = async (response: Response) =>
  ((await response.json()) as { errors?: { message: string }[] }).errors?.[0]?.message

describe('kv-cache REST endpoints, default access', () => {
  let app: RestPayload
  let admin: string
  let editor: string
  let member: string

  beforeAll(async () => {
    app = await startRestPayload(true)
    admin = await app.login('users', app.data.users.admin)
    editor = await app.login('users', app.data.users.editor)
    member = await app.login('members', { email: 'member@example.com' })
  })
  afterAll(() => app?.cleanup())

  it('refuses an anonymous request (403)', async () => {
    expect((await app.rest('GET', '/kv-cache/stats')).status).toBe(403)
    expect((await app.rest('POST', '/kv-cache/flush')).status).toBe(403)
    const purge = await app.rest('POST', '/kv-cache/purge', { body: '{"all":true}' })
    expect(purge.status).toBe(403)
  })

  it('refuses a logged-in user of another auth collection (403)', async () => {
    expect((await app.rest('GET', '/kv-cache/stats', { token: member })).status).toBe(403)
    expect((await app.rest('POST', '/kv-cache/flush', { token: member })).status).toBe(403)
    const purge = await app.rest('POST', '/kv-cache/purge', { token: member, body: '{"all":true}' })
    expect(purge.status).toBe(403)
  })

  it('answers a user of the admin user collection with the stats as JSON', async () => {
    await app.payload.find({ collection: 'posts', depth: 0 })
    await app.payload.find({ collection: 'posts', depth: 0 })
    const response = await app.rest('GET', '/kv-cache/stats', { token: admin })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    const { since, globals, ...stats } = (await response.json()) as KVCacheStatsResponse
    expect(stats).toEqual(getCacheStats(app.payload))
    expect(globals).toEqual(['header'])
    expect(Date.parse(since)).toBeLessThanOrEqual(Date.now())
    expect(stats.reads.posts?.find).toMatchObject({ misses: 1, hits: { memory: 1, kv: 0 } })
    // What the dashboard shows besides reads: KV operations, their cost, the circuit.
    expect(stats.kv.circuit).toBe('closed')
    expect(stats.kv.operations.read).toBeGreaterThan(0)
    expect(stats.cost.reads).toBeGreaterThanOrEqual(stats.kv.operations.read)
    expect(stats.cost.usd).toBeGreaterThan(0)
    // Any user of config.admin.user, whatever their role.
    expect((await app.rest('GET', '/kv-cache/stats', { token: editor })).status).toBe(200)
  })

  it('shows the dashboard view to the users the stats endpoint answers, and no figure to others', async () => {
    const { payload } = app
    const userOf = async (collection: 'members' | 'users', email?: string | null) => {
      const { docs } = await payload.find({ collection, where: { email: { equals: email } } })
      return { ...docs[0], collection } as PayloadRequest['user']
    }
    const asUser = async (user: PayloadRequest['user']) =>
      dashboardViewData(await createLocalReq({ user: user ?? undefined }, payload))
    const admin = await asUser(await userOf('users', app.data.users.admin.email))
    expect(admin).toMatchObject({ show: 'stats', apiRoute: '/api' })
    if (admin.show !== 'stats') throw new Error('unreachable')
    expect(admin.stats.total).toEqual(getCacheStats(payload).total)
    expect(await asUser(null)).toEqual({ show: 'refused' })
    expect(await asUser(await userOf('members', 'member@example.com'))).toEqual({
      show: 'refused',
    })
  })

  it('flushes: a read served from the cache before reaches the database after', async () => {
    const { payload } = app
    const [page] = (await payload.find({ collection: 'pages', depth: 0, limit: 1 })).docs
    if (!page) throw new Error('the seed has no pages')
    const title = async () =>
      (await payload.findByID({ collection: 'pages', id: page.id, depth: 0 })).title
    expect(await title()).toBe(page.title)
    await app.filled()
    // Straight to SQL, behind Payload's back: the cache cannot know, and keeps serving.
    await (payload.db as unknown as SqliteDrizzle).drizzle.$client.execute({
      sql: 'UPDATE pages SET title = ? WHERE id = ?',
      args: ['Changed behind the cache', page.id],
    })
    expect(await title()).toBe(page.title)

    const response = await app.rest('POST', '/kv-cache/flush', { token: admin })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ flushed: true })
    expect(await title()).toBe('Changed behind the cache')
    expect(getCacheStats(payload).invalidations['*']).toBeGreaterThanOrEqual(1)
  })

  it('purges the stored entries of a collection, then of everything', async () => {
    const { payload } = app
    await payload.find({ collection: 'posts', depth: 0, limit: 3 })
    await payload.findByID({ collection: 'posts', id: app.data.published[0] as number, depth: 0 })
    await payload.find({ collection: 'pages', depth: 0 })
    await payload.findGlobal({ slug: 'header', depth: 0 })
    await app.filled()
    const before = await allKeys(app.kv)

    const posts = await app.rest('POST', '/kv-cache/purge', {
      token: admin,
      body: JSON.stringify({ collection: 'posts' }),
    })
    expect(posts.status).toBe(200)
    const { deleted, cursor } = (await posts.json()) as { deleted: number; cursor?: string }
    expect(cursor).toBeUndefined()
    expect(deleted).toBeGreaterThanOrEqual(2)
    const afterPosts = await allKeys(app.kv)
    expect(afterPosts).toHaveLength(before.length - deleted)
    expect(afterPosts.every((key) => before.includes(key))).toBe(true)

    // The posts entries are gone from KV and from memory: the next read goes to the database.
    const missesBefore = getCacheStats(payload).reads.posts?.find?.misses ?? 0
    await payload.find({ collection: 'posts', depth: 0, limit: 3 })
    expect(getCacheStats(payload).reads.posts?.find?.misses).toBe(missesBefore + 1)
    await app.filled()

    const all = await app.rest('POST', '/kv-cache/purge', { token: admin, body: '{"all":true}' })
    expect(all.status).toBe(200)
    // pages, header, and the posts entry stored since.
    expect(((await all.json()) as { deleted: number }).deleted).toBeGreaterThanOrEqual(3)
    // What is left is the cache's invalidation state, which purge never deletes.
    const left = await allKeys(app.kv)
    const again = await app.rest('POST', '/kv-cache/purge', { token: admin, body: '{"all":true}' })
    expect(await again.json()).toEqual({ deleted: 0 })
    expect(await allKeys(app.kv)).toEqual(left)
    const headerMisses = getCacheStats(payload).reads.header?.findGlobal?.misses ?? 0
    await payload.findGlobal({ slug: 'header', depth: 0 })
    expect(getCacheStats(payload).reads.header?.findGlobal?.misses).toBe(headerMisses + 1)
  })

  it('answers 400 to a bad purge body, naming the problem', async () => {
    const purge = (body: string) => app.rest('POST', '/kv-cache/purge', { token: admin, body })
    const cases: Array<[string, RegExp]> = [
      ['not json', /must be JSON/],
      ['[]', /must be a JSON object/],
      ['{}', /exactly one of collection, global or all/],
      ['{"collection":"posts","global":"header"}', /exactly one of/],
      ['{"collection":"post"}', /unknown collection "post"; valid: .*posts/],
      // Payload's internal collections are never cached, and not offered either.
      [
        '{"collection":"payload-preferences"}',
        /unknown collection "payload-preferences"; valid: (?!.*payload-)/,
      ],
      ['{"global":"footer"}', /unknown global "footer"; valid: header/],
      ['{"all":false}', /all must be true/],
      ['{"all":true,"cursor":42}', /cursor must be the string/],
      ['{"collections":"posts"}', /unknown field\(s\) collections/],
    ]
    for (const [body, message] of cases) {
      const response = await purge(body)
      expect(response.status, body).toBe(400)
      expect(await errorOf(response), body).toMatch(message)
    }
  })
})

describe('kv-cache REST endpoints, custom access', () => {
  let app: RestPayload
  const seen: Array<PayloadRequest['user']> = []

  // Only requests carrying a header, logged in or not: the option replaces the default.
  const access: KVCacheEndpointsOptions['access'] = (req) => {
    seen.push(req.user)
    return req.headers.get('x-ops-key') === 'let-me-in'
  }

  beforeAll(async () => {
    app = await startRestPayload({ access })
  })
  afterAll(() => app?.cleanup())

  it('applies the same rule to the dashboard view', async () => {
    const { payload } = app
    const [admin] = (await payload.find({ collection: 'users', limit: 1 })).docs
    const asAdmin = await createLocalReq(
      { user: { ...admin, collection: 'users' } as never },
      payload,
    )
    expect(await dashboardViewData(asAdmin, access)).toEqual({ show: 'refused' })
    const withKey = await createLocalReq({}, payload)
    withKey.headers = new Headers({ 'x-ops-key': 'let-me-in' })
    expect(await dashboardViewData(withKey, access)).toMatchObject({ show: 'stats' })
  })

  it('refuses an admin user when access returns false', async () => {
    const admin = await app.login('users', app.data.users.admin)
    expect((await app.rest('GET', '/kv-cache/stats', { token: admin })).status).toBe(403)
    expect(seen.at(-1)).toMatchObject({ collection: 'users', email: app.data.users.admin.email })
  })

  it('allows an anonymous request when access returns true', async () => {
    const response = await app.rest('GET', '/kv-cache/stats', {
      headers: { 'x-ops-key': 'let-me-in' },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ total: { misses: expect.any(Number) } })
    expect(seen.at(-1)).toBeNull()
  })
})
