import type { Payload, Plugin, Where } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CacheControl,
  type CacheStats,
  getCacheStats,
  KVCacheMissError,
  resetCacheStats,
  withCacheControl,
} from '../src/index.js'
import { type ControlPair, startControlPair } from './suites/controlPair.js'

/**
 * Per-request cache control, through the Local API and the REST API of a real Payload on sqlite:
 * `context.kvCache` on the request (findByID included, although its adapter call `findOne` gets
 * only `{ transactionID }`), and `withCacheControl(control, fn)` for every read inside `fn`.
 */

/**
 * REST gives a client no way to set `req.context` (`createPayloadRequest` always starts it as
 * `{}`; query parameters land in `req.query`). The server-side way: a `beforeOperation` hook that
 * turns a request header into `context.kvCache`. Here on every collection and global, as a user
 * would do it for the routes they choose.
 */
const controlFromHeader: Plugin = (config) => {
  const hook = ({ req }: { req: { headers?: Headers; context: Record<string, unknown> } }) => {
    const header = req.headers?.get?.('x-kv-cache')
    if (header) req.context.kvCache = JSON.parse(header)
  }
  return {
    ...config,
    collections: config.collections?.map((collection) => ({
      ...collection,
      hooks: {
        ...collection.hooks,
        beforeOperation: [...(collection.hooks?.beforeOperation ?? []), hook],
      },
    })),
    globals: config.globals?.map((global) => ({
      ...global,
      hooks: { ...global.hooks, beforeOperation: [...(global.hooks?.beforeOperation ?? []), hook] },
    })),
  }
}

const BOOT_TIMEOUT = 120_000

describe('per-request cache control on sqlite', () => {
  let pair: ControlPair
  let cached: Payload
  let plain: Payload
  let auth: Record<string, string>

  beforeAll(async () => {
    // The REST tests read as a logged-in admin; these tests are about the cache's control, so
    // authenticated reads use the cache here (by default they read the database: editors.test.ts).
    pair = await startControlPair('sqlite', {
      plugins: [controlFromHeader],
      posts: 20,
      options: { authenticatedReads: 'cache' },
    })
    cached = pair.cached
    plain = pair.plain
    const login = await pair.rest.json<{ token: string }>('/users/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: pair.data.users.admin.email, password: pair.data.password }),
    })
    auth = { Authorization: `JWT ${login.token}` }
    // Tests that read one post each take a post of their own (`published(n)`).
    expect(pair.data.published.length).toBeGreaterThanOrEqual(12)
  }, BOOT_TIMEOUT)
  afterAll(() => pair?.cleanup())

  /** Waits for background KV work, then zeroes statistics and call counts. */
  const fresh = async () => {
    await pair.settle()
    resetCacheStats(cached)
    pair.db.reset()
    pair.kvCalls.reset()
  }
  const stats = (): CacheStats => getCacheStats(cached)
  const postsFind = () => stats().reads.posts?.find
  const control = (kvCache: CacheControl | Record<string, unknown>) => ({ context: { kvCache } })

  // Every test reads with a `where` of its own, so that no test sees another's cache entries.
  const only = (tag: string): Where => ({ slug: { not_equals: `never-${tag}` } })
  const posts = (tag: string) => ({ collection: 'posts' as const, depth: 0, where: only(tag) })
  const restPosts = (tag: string, depth = 0) =>
    `/posts?depth=${depth}&where[slug][not_equals]=never-${tag}`
  const header = (kvCache: CacheControl) => ({ ...auth, 'x-kv-cache': JSON.stringify(kvCache) })
  const published = (i: number) => pair.data.published[i] as number | string

  describe('bypass', () => {
    it('reads from the database every time and stores nothing', async () => {
      await fresh()
      const expected = await plain.find(posts('bypass'))
      expect(await cached.find({ ...posts('bypass'), ...control({ bypass: true }) })).toEqual(
        expected,
      )
      expect(await cached.find({ ...posts('bypass'), ...control({ bypass: true }) })).toEqual(
        expected,
      )
      await pair.settle()

      expect(pair.db.count('find')).toBe(2)
      expect(postsFind()).toMatchObject({
        bypasses: 2,
        misses: 0,
        stores: 0,
        hits: { memory: 0, kv: 0 },
      })
      expect(stats().memory.entries).toBe(0)
      expect(pair.kvCalls.counts.total).toBe(0) // not even a lookup

      // Nothing was stored: the first default read is a miss.
      await cached.find(posts('bypass'))
      expect(pair.db.count('find')).toBe(3)
      expect(postsFind()).toMatchObject({ misses: 1, stores: 1 })
    })

    it('bypasses findGlobal', async () => {
      await fresh()
      const read = (extra = {}) =>
        cached.findGlobal({ slug: 'header', depth: 0, locale: 'de', ...extra })
      await read(control({ bypass: true }))
      await read(control({ bypass: true }))
      expect(pair.db.count('findGlobal')).toBe(2)
      expect(stats().reads.header?.findGlobal).toMatchObject({ bypasses: 2, misses: 0, stores: 0 })
    })

    it('REST: a client cannot set context (query parameters are not context)', async () => {
      await fresh()
      const path = `${restPosts('rest-query')}&context[kvCache][bypass]=true`
      const first = await pair.rest.json(path, { headers: auth })
      const second = await pair.rest.json(path, { headers: auth })
      expect(second).toEqual(first)
      expect(pair.db.count('find')).toBe(1)
      expect(postsFind()).toMatchObject({ bypasses: 0, misses: 1, hits: { memory: 1, kv: 0 } })
    })

    it('REST: a beforeOperation hook can set context.kvCache from a request header', async () => {
      await fresh()
      const path = restPosts('rest-hook')
      await pair.rest.json(path, { headers: header({ bypass: true }) })
      await pair.rest.json(path, { headers: header({ bypass: true }) })
      expect(pair.db.count('find')).toBe(2)
      expect(postsFind()).toMatchObject({ bypasses: 2, misses: 0, stores: 0 })
    })

    it('REST: withCacheControl around the request handler bypasses every read it makes', async () => {
      await fresh()
      const path = restPosts('rest-scope')
      const get = () =>
        withCacheControl({ bypass: true }, () => pair.rest.json(path, { headers: auth }))
      await get()
      await get()
      expect(pair.db.count('find')).toBe(2)
      expect(postsFind()).toMatchObject({ bypasses: 2, misses: 0, stores: 0 })
    })
  })

  describe('ttl', () => {
    it('an entry stored with ttl: 1 is gone after 1.2 s; a default-TTL entry still hits', async () => {
      await fresh()
      await cached.find({ ...posts('ttl-short'), ...control({ ttl: 1 }) })
      await cached.find(posts('ttl-default'))
      await pair.rest.json(restPosts('ttl-rest'), { headers: header({ ttl: 1 }) })
      await pair.settle()
      expect(pair.db.count('find')).toBe(3)

      // Still fresh: all three hit.
      await cached.find(posts('ttl-short'))
      await cached.find(posts('ttl-default'))
      await pair.rest.json(restPosts('ttl-rest'), { headers: auth })
      expect(pair.db.count('find')).toBe(3)

      await new Promise((resolve) => setTimeout(resolve, 1200))
      resetCacheStats(cached)
      pair.db.reset()

      await cached.find(posts('ttl-default'))
      expect(pair.db.count('find')).toBe(0)
      expect(postsFind()).toMatchObject({ hits: { memory: 1, kv: 0 }, misses: 0 })

      // Expired in memory and in KV (a KV hit would count as hits.kv).
      await cached.find(posts('ttl-short'))
      await pair.rest.json(restPosts('ttl-rest'), { headers: auth })
      expect(pair.db.count('find')).toBe(2)
      expect(postsFind()).toMatchObject({ hits: { memory: 1, kv: 0 }, misses: 2 })
    })
  })

  describe("mode: 'cache-only'", () => {
    const cacheOnly = control({ mode: 'cache-only' })

    it('find: a miss throws KVCacheMissError without reaching the database, a hit answers', async () => {
      await fresh()
      const miss = cached.find({ ...posts('cache-only'), ...cacheOnly })
      await expect(miss).rejects.toBeInstanceOf(KVCacheMissError)
      await expect(miss).rejects.toMatchObject({ operation: 'find', slug: 'posts' })
      expect(pair.db.count('find')).toBe(0)

      const warm = await cached.find(posts('cache-only'))
      expect(pair.db.count('find')).toBe(1)
      expect(await cached.find({ ...posts('cache-only'), ...cacheOnly })).toEqual(warm)
      expect(pair.db.count('find')).toBe(1)
    })

    it('find: a miss on a query whose answer is empty throws, never an empty page', async () => {
      await fresh()
      const nothing = {
        collection: 'posts' as const,
        depth: 0,
        where: { slug: { equals: 'no-such-post' } },
      }
      expect((await plain.find(nothing)).docs).toEqual([])
      await expect(cached.find({ ...nothing, ...cacheOnly })).rejects.toBeInstanceOf(
        KVCacheMissError,
      )
      expect(pair.db.count('find')).toBe(0)
    })

    it('findGlobal: a miss throws, a hit answers', async () => {
      await fresh()
      const read = (extra = {}) =>
        cached.findGlobal({ slug: 'header', depth: 0, select: { title: true }, ...extra })
      const miss = read(cacheOnly)
      await expect(miss).rejects.toBeInstanceOf(KVCacheMissError)
      await expect(miss).rejects.toMatchObject({ operation: 'findGlobal', slug: 'header' })
      expect(pair.db.count('findGlobal')).toBe(0)

      const warm = await read()
      expect(await read(cacheOnly)).toEqual(warm)
      expect(pair.db.count('findGlobal')).toBe(1)
    })

    it('findByID with withCacheControl: a miss throws, a hit answers', async () => {
      await fresh()
      const id = published(1)
      const read = () => cached.findByID({ collection: 'posts', id, depth: 0 })
      const miss = withCacheControl({ mode: 'cache-only' }, read)
      await expect(miss).rejects.toBeInstanceOf(KVCacheMissError)
      await expect(miss).rejects.toMatchObject({ operation: 'findOne', slug: 'posts' })
      expect(pair.db.count('findOne')).toBe(0)

      const warm = await read()
      expect(await withCacheControl({ mode: 'cache-only' }, read)).toEqual(warm)
      expect(pair.db.count('findOne')).toBe(1)
    })

    it('applies to population: a populated collection that is not cached fails the read', async () => {
      await fresh()
      const args = { ...posts('cache-only-depth'), depth: 1 }
      await cached.find({ ...args, depth: 0 }) // only the posts themselves are cached
      await expect(cached.find({ ...args, ...cacheOnly })).rejects.toMatchObject({
        name: 'KVCacheMissError',
        operation: 'find',
        slug: expect.not.stringMatching(/^posts$/),
      })
      await cached.find(args)
      const calls = pair.db.count('find')
      expect(await cached.find({ ...args, ...cacheOnly })).toEqual(await plain.find(args))
      expect(pair.db.count('find')).toBe(calls)
    })

    it('REST: with withCacheControl around the handler, a miss is an error response, never data', async () => {
      await fresh()
      const id = published(2)
      const get = () => pair.rest.request(`/posts/${id}?depth=0`, { headers: auth })
      const miss = await withCacheControl({ mode: 'cache-only' }, get)
      expect(miss.ok).toBe(false)
      expect(await miss.json()).not.toHaveProperty('id')
      expect(pair.db.count('findOne', 'posts')).toBe(0)

      const warm = await (await get()).json()
      expect(warm).toMatchObject({ id })
      const hit = await withCacheControl({ mode: 'cache-only' }, get)
      expect(hit.status).toBe(200)
      expect(await hit.json()).toEqual(warm)
      expect(pair.db.count('findOne', 'posts')).toBe(1)

      const global = await withCacheControl({ mode: 'cache-only' }, () =>
        pair.rest.request('/globals/header?depth=0&locale=de', { headers: auth }),
      )
      expect(global.ok).toBe(false)
    })
  })

  describe("mode: 'refresh'", () => {
    it('find: skips the lookup and stores the fresh result, which later reads hit', async () => {
      await fresh()
      const id = published(0)
      const args = () => ({ collection: 'posts' as const, depth: 0, where: { id: { equals: id } } })
      const before = await cached.find(args())
      // Written behind the cache's back, as a script or another app on the database would.
      await plain.update({
        collection: 'posts',
        id,
        depth: 0,
        data: { title: 'Written behind the cache' },
      })
      expect((await cached.find(args())).docs[0]?.title).toBe(before.docs[0]?.title) // stale, as expected
      expect(pair.db.count('find')).toBe(1)

      resetCacheStats(cached)
      const refreshed = await cached.find({ ...args(), ...control({ mode: 'refresh' }) })
      expect(refreshed.docs[0]?.title).toBe('Written behind the cache')
      expect(pair.db.count('find')).toBe(2)
      expect(postsFind()).toMatchObject({ hits: { memory: 0, kv: 0 }, stores: 1 })

      expect(await cached.find(args())).toEqual(refreshed)
      expect(pair.db.count('find')).toBe(2)
      expect(postsFind()?.hits.memory).toBe(1)
      expect(await cached.find(args())).toEqual(await plain.find(args()))
    })

    it('findByID with withCacheControl: refreshes the by-ID entry', async () => {
      await fresh()
      const id = published(6)
      const read = () => cached.findByID({ collection: 'posts', id, depth: 0 })
      await read()
      await plain.update({ collection: 'posts', id, depth: 0, data: { views: 4242 } })
      expect((await read()).views).not.toBe(4242)

      expect((await withCacheControl({ mode: 'refresh' }, read)).views).toBe(4242)
      expect(pair.db.count('findOne')).toBe(2)
      expect((await read()).views).toBe(4242)
      expect(pair.db.count('findOne')).toBe(2)
    })

    it('REST: refresh through the header hook', async () => {
      await fresh()
      const id = published(7)
      const path = `/posts?depth=0&where[id][equals]=${id}`
      await pair.rest.json(path, { headers: auth })
      await plain.update({ collection: 'posts', id, depth: 0, data: { views: 777 } })
      type Page = { docs: { views: number }[] }
      expect((await pair.rest.json<Page>(path, { headers: auth })).docs[0]?.views).not.toBe(777)
      expect(
        (await pair.rest.json<Page>(path, { headers: header({ mode: 'refresh' }) })).docs[0]?.views,
      ).toBe(777)
      expect((await pair.rest.json<Page>(path, { headers: auth })).docs[0]?.views).toBe(777)
      expect(pair.db.count('find', 'posts')).toBe(2)
    })
  })

  describe('relationship population', () => {
    it('depth: 1 with bypass: the reads of related collections are bypasses too', async () => {
      await fresh()
      const args = { ...posts('population'), depth: 1 }
      await cached.find(args)
      const populated = Object.keys(stats().reads).filter((slug) => slug !== 'posts')
      // author, categories, related pages, layout blocks, and the comments of the join field.
      expect(populated).toEqual(
        expect.arrayContaining(['authors', 'categories', 'comments', 'pages']),
      )
      pair.db.reset()
      await cached.find(args)
      expect(pair.db.count('find')).toBe(0) // warm: every read, population included, is cached

      resetCacheStats(cached)
      const result = await cached.find({ ...args, ...control({ bypass: true }) })
      expect(result).toEqual(await plain.find(args))
      const { reads, total } = stats()
      expect(Object.keys(reads).sort()).toEqual(['posts', ...populated].sort())
      for (const slug of ['posts', ...populated]) {
        expect(reads[slug]?.find?.bypasses, slug).toBe(pair.db.count('find', slug))
        expect(reads[slug]?.find?.bypasses, slug).toBeGreaterThan(0)
      }
      expect(total).toMatchObject({ hits: { memory: 0, kv: 0 }, misses: 0, stores: 0 })
    })

    it('findByID in withCacheControl: the by-ID read and its population are bypasses', async () => {
      await fresh()
      const id = published(3)
      await withCacheControl({ bypass: true }, () =>
        cached.findByID({ collection: 'posts', id, depth: 1 }),
      )
      const { reads, total } = stats()
      expect(reads.posts?.findOne?.bypasses).toBe(1)
      expect(reads.authors?.find?.bypasses).toBe(1)
      expect(total).toMatchObject({ hits: { memory: 0, kv: 0 }, misses: 0, stores: 0 })
    })

    it('REST: the header hook on posts reaches the population reads of other collections', async () => {
      await fresh()
      await pair.rest.json(restPosts('rest-population', 1), { headers: header({ bypass: true }) })
      const { reads, total } = stats()
      expect(reads.authors?.find?.bypasses).toBeGreaterThan(0)
      expect(total).toMatchObject({ misses: 0, stores: 0 })
    })
  })

  describe('findByID: context reaches its findOne', () => {
    // Payload's findByID calls the adapter's findOne with `req: { transactionID }` only
    // (collections/operations/findByID); the cache takes the context from the findByID's request.
    it('context.kvCache bypass reaches the findOne of findByID', async () => {
      await fresh()
      const id = published(4)
      const read = () =>
        cached.findByID({ collection: 'posts', id, depth: 0, ...control({ bypass: true }) })
      await read()
      await read()
      expect(pair.db.count('findOne')).toBe(2)
      expect(stats().reads.posts?.findOne).toMatchObject({ bypasses: 2, misses: 0, stores: 0 })
    })

    it('context.kvCache refresh and cache-only reach it too', async () => {
      await fresh()
      const id = published(10)
      await expect(
        cached.findByID({ collection: 'posts', id, depth: 0, ...control({ mode: 'cache-only' }) }),
      ).rejects.toThrow(KVCacheMissError)
      await cached.findByID({ collection: 'posts', id, depth: 0, ...control({ mode: 'refresh' }) })
      await cached.findByID({ collection: 'posts', id, depth: 0, ...control({ mode: 'refresh' }) })
      expect(pair.db.count('findOne', 'posts')).toBe(2)
      await pair.settle() // the stored entry reaches KV
      const hit = await cached.findByID({
        collection: 'posts',
        id,
        depth: 0,
        ...control({ mode: 'cache-only' }),
      })
      expect(hit).toEqual(await plain.findByID({ collection: 'posts', id, depth: 0 }))
      expect(pair.db.count('findOne', 'posts')).toBe(2)
    })

    it('an id spelled another way is the same document for the request it belongs to', async () => {
      await fresh()
      const id = published(11)
      if (typeof id !== 'number') return // leading zeros only mean something for number ids
      await cached.findByID({
        collection: 'posts',
        id: `00${id}`,
        depth: 0,
        ...control({ bypass: true }),
      })
      expect(stats().reads.posts?.findOne).toMatchObject({ bypasses: 1, stores: 0 })
    })

    it('concurrent findByIDs of one document with different control: none is served wrongly', async () => {
      await fresh()
      const id = published(12)
      await cached.findByID({ collection: 'posts', id, depth: 0 }) // stored
      pair.db.reset()
      const [bypassed, cachedRead] = await Promise.all([
        cached.findByID({ collection: 'posts', id, depth: 0, ...control({ bypass: true }) }),
        cached.findByID({ collection: 'posts', id, depth: 0 }),
      ])
      // The bypass read reached the database; the other one may have too (it cannot tell).
      expect(pair.db.count('findOne')).toBeGreaterThanOrEqual(1)
      expect(bypassed).toEqual(cachedRead)
      expect(stats().reads.posts?.findOne?.bypasses).toBeGreaterThanOrEqual(1)
    })

    it('withCacheControl reaches it: the read bypasses the cache', async () => {
      await fresh()
      const id = published(5)
      const read = () =>
        withCacheControl({ bypass: true }, () =>
          cached.findByID({ collection: 'posts', id, depth: 0 }),
        )
      await read()
      await read()
      expect(pair.db.count('findOne')).toBe(2)
      expect(stats().reads.posts?.findOne).toMatchObject({ bypasses: 2, misses: 0, stores: 0 })
    })

    it('REST: the header hook reaches GET /api/posts/:id', async () => {
      await fresh()
      const id = published(8)
      const path = `/posts/${id}?depth=0`
      await pair.rest.json(path, { headers: auth })
      expect(stats().reads.posts?.findOne).toMatchObject({ bypasses: 0, stores: 1 })

      resetCacheStats(cached)
      pair.db.reset()
      await pair.rest.json(path, { headers: header({ bypass: true }) })
      await pair.rest.json(path, { headers: header({ bypass: true }) })
      expect(pair.db.count('findOne', 'posts')).toBe(2)
      expect(stats().reads.posts?.findOne).toMatchObject({
        bypasses: 2,
        hits: { memory: 0, kv: 0 },
      })
      // Without the header the stored entry still answers.
      await pair.rest.json(path, { headers: auth })
      expect(stats().reads.posts?.findOne?.hits.memory).toBe(1)
    })
  })

  describe('invalid control', () => {
    const bad: [string, unknown, RegExp][] = [
      [
        'an unknown mode',
        { mode: 'sometimes' },
        /mode must be 'default', 'cache-only' or 'refresh'.*sometimes/,
      ],
      ['a negative ttl', { ttl: -5 }, /ttl must be a positive whole number/],
      ['a zero ttl', { ttl: 0 }, /ttl must be a positive whole number/],
      ['a fractional ttl', { ttl: 1.5 }, /ttl must be a positive whole number/],
      ['a ttl given as a string', { ttl: '30' }, /ttl must be a positive whole number/],
      ['an unknown key', { bypas: true }, /unknown member\(s\) bypas/],
      ['a non-boolean bypass', { bypass: 'yes' }, /bypass must be a boolean/],
      ['a string instead of an object', 'bypass', /must be an object/],
    ]

    it.each(bad)(
      'context.kvCache with %s is a TypeError naming it, before any database call',
      async (_, value, message) => {
        await fresh()
        const find = cached.find({ ...posts('invalid'), ...control(value as CacheControl) })
        await expect(find).rejects.toBeInstanceOf(TypeError)
        await expect(find).rejects.toThrow(message)
        await expect(
          cached.findGlobal({ slug: 'header', depth: 0, ...control(value as CacheControl) }),
        ).rejects.toThrow(message)
        expect(pair.db.count('find') + pair.db.count('findGlobal')).toBe(0)
      },
    )

    it.each(bad)(
      'withCacheControl with %s throws at once, without running the function',
      (_, value, message) => {
        let ran = false
        expect(() =>
          withCacheControl(value as CacheControl, () => {
            ran = true
          }),
        ).toThrow(message)
        expect(ran).toBe(false)
      },
    )

    it('REST: an invalid control set by a hook fails the request instead of being ignored', async () => {
      await fresh()
      const response = await pair.rest.request(restPosts('invalid-rest'), {
        headers: { ...auth, 'x-kv-cache': JSON.stringify({ mode: 'sometimes' }) },
      })
      expect(response.ok).toBe(false)
      expect(pair.db.count('find')).toBe(0)
    })

    it('is refused on a collection that is not cached too (users)', async () => {
      await expect(
        cached.find({ collection: 'users', depth: 0, ...control({ mode: 'sometimes' } as never) }),
      ).rejects.toThrow(/mode must be/)
    })

    it('contradictory control (bypass with cache-only or refresh) is refused', async () => {
      await expect(
        cached.find({
          ...posts('contradiction'),
          ...control({ bypass: true, mode: 'cache-only' }),
        }),
      ).rejects.toThrow(TypeError)
      expect(() => withCacheControl({ bypass: true, mode: 'refresh' }, () => undefined)).toThrow(
        TypeError,
      )
    })

    it('a contradiction split between withCacheControl and context.kvCache is refused too', async () => {
      await fresh()
      // Each half is valid; merged, the read would silently reach the database under cache-only.
      await expect(
        withCacheControl({ bypass: true }, () =>
          cached.find({ ...posts('split'), ...control({ mode: 'cache-only' }) }),
        ),
      ).rejects.toThrow(/context\.kvCache inside withCacheControl\(control\) cannot combine/)
      expect(() =>
        withCacheControl({ mode: 'refresh' }, () =>
          withCacheControl({ bypass: true }, () => undefined),
        ),
      ).toThrow(/nested withCacheControl cannot combine/)
      expect(pair.db.count('find', 'posts')).toBe(0)
    })
  })

  describe('writes are never exempt from invalidation', () => {
    const byID = (id: number | string) => ({
      collection: 'posts' as const,
      depth: 0,
      where: { id: { equals: id } },
    })

    /** Caches a find and a findByID of `id`, checks they hit, then runs `write` and re-reads. */
    const expectWriteSeen = async (
      id: number | string,
      title: string,
      write: () => Promise<unknown>,
    ) => {
      await fresh()
      await cached.find(byID(id))
      await cached.findByID({ collection: 'posts', id, depth: 0 })
      resetCacheStats(cached)
      await cached.find(byID(id))
      await cached.findByID({ collection: 'posts', id, depth: 0 })
      expect(stats().total).toMatchObject({ hits: { memory: 2, kv: 0 }, misses: 0 }) // cached before the write

      await write()
      resetCacheStats(cached)
      expect((await cached.find(byID(id))).docs[0]?.title).toBe(title)
      expect((await cached.findByID({ collection: 'posts', id, depth: 0 })).title).toBe(title)
      expect(stats().total).toMatchObject({ hits: { memory: 0, kv: 0 }, misses: 2 })
      expect(await cached.find(byID(id))).toEqual(await plain.find(byID(id)))
    }

    it.each<[string, CacheControl]>([
      ['bypass', { bypass: true }],
      ['refresh', { mode: 'refresh' }],
      ['ttl', { ttl: 1 }],
    ])('an update with context { %s } invalidates', async (name, kvCache) => {
      const id = published(0)
      await expectWriteSeen(id, `Updated with ${name}`, () =>
        cached.update({
          collection: 'posts',
          id,
          depth: 0,
          data: { title: `Updated with ${name}` },
          context: { kvCache },
        }),
      )
    })

    it('an update inside withCacheControl({ bypass: true }) invalidates', async () => {
      const id = published(1)
      await expectWriteSeen(id, 'Updated in a bypass scope', () =>
        withCacheControl({ bypass: true }, () =>
          cached.update({
            collection: 'posts',
            id,
            depth: 0,
            data: { title: 'Updated in a bypass scope' },
          }),
        ),
      )
    })

    it('REST: a PATCH with the bypass header invalidates', async () => {
      const id = published(2)
      await expectWriteSeen(id, 'Patched with bypass', async () => {
        const response = await pair.rest.request(`/posts/${id}?depth=0`, {
          method: 'PATCH',
          headers: { ...header({ bypass: true }), 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'Patched with bypass' }),
        })
        expect(response.status).toBe(200)
      })
    })

    it('a global update with context bypass invalidates the global', async () => {
      await fresh()
      const read = () => cached.findGlobal({ slug: 'header', depth: 0 })
      await read()
      await read()
      expect(stats().reads.header?.findGlobal?.hits.memory).toBe(1)
      await cached.updateGlobal({
        slug: 'header',
        depth: 0,
        data: { title: 'Header via bypass' },
        ...control({ bypass: true }),
      })
      expect((await read()).title).toBe('Header via bypass')
      expect(stats().invalidations.header).toBeGreaterThan(0)
    })
  })
})
