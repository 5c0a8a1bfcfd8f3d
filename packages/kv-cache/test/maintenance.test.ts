import { instrumentKV } from 'payload-kv-cache-test-fixtures/kv'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  flush,
  getCacheStats,
  invalidate,
  KVCacheConfigError,
  purge,
  resetCacheStats,
  settled,
  withKVCache,
} from '../src/index.js'
import { isTokenKey, parseEntryKey, tokenPrefix } from '../src/storage/storageKeys.js'
import { type CachedPair, startCachedPair } from './suites/cacheSuite.js'
import { observeAdapter } from './suites/decorators.js'

/** flush, purge and migrations: what users and operators do to the cache as a whole. */
describe('maintenance (sqlite)', () => {
  let pair: CachedPair
  beforeAll(async () => {
    pair = await startCachedPair('sqlite', {}, 6)
  })
  afterAll(() => pair?.cleanup())

  const entries = async (prefix = 'payload:') => {
    const names: string[] = []
    let cursor: string | undefined
    do {
      const page = await pair.kv.list({ prefix, cursor })
      names.push(...page.keys.map((k) => k.name))
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return names
  }
  const fill = async () => {
    for (let i = 0; i < 12; i++) {
      await pair.cached.find({
        collection: 'posts',
        where: { views: { greater_than: i } },
        depth: 0,
      })
    }
    await pair.cached.find({ collection: 'categories', depth: 0 })
    await pair.cached.findGlobal({ slug: 'header', depth: 0 })
    await settled(pair.cached)
  }

  it('finds the cache from another copy of the package, as Next.js bundles one per layer', async () => {
    // A query string makes Vite evaluate the module a second time: a copy with its own top level,
    // like the server-component copy of a package whose route-handler copy wrapped the adapter.
    const copy = '../src/registry.js?second-copy'
    const { cacheOf } = (await import(/* @vite-ignore */ copy)) as { cacheOf(p: object): unknown }
    expect(cacheOf(pair.cached)).toBeDefined()
    expect(cacheOf(pair.plain)).toBeUndefined()
  })

  it('invalidate() names every target it cannot place, and then makes nothing stale', async () => {
    const id = pair.data.posts[1] as number
    const read = () => pair.cached.findByID({ collection: 'posts', id, depth: 0 })
    await read()
    await pair.plain.update({ collection: 'posts', id, data: { title: 'Changed elsewhere' } })
    const bad = invalidate(pair.cached, [
      { collection: 'posts', id },
      { collection: 'post' as never },
      { global: 'footer' as never },
    ])
    await expect(bad).rejects.toThrow(KVCacheConfigError)
    await expect(bad).rejects.toThrow(/unknown collection 'post'; unknown global 'footer'/)
    expect((await read()).title).not.toBe('Changed elsewhere')
    await invalidate(pair.cached, [{ collection: 'posts', id }])
    expect((await read()).title).toBe('Changed elsewhere')
  })

  it('flush() makes raw SQL writes visible: every entry is stale after one KV write', async () => {
    const id = pair.data.posts[0] as number
    const read = () => pair.cached.findByID({ collection: 'posts', id, depth: 0 })
    await read()
    // A write behind the cache's back, as raw SQL would be.
    await pair.plain.update({ collection: 'posts', id, data: { title: 'Behind the back' } })
    expect((await read()).title).not.toBe('Behind the back')
    await flush(pair.cached)
    expect((await read()).title).toBe('Behind the back')
  })

  it('purges one collection’s entries by prefix, within an operation budget, and never tokens', async () => {
    await fill()
    const tokensBefore = (await entries(tokenPrefix('payload'))).sort()
    const isPostEntry = (k: string) => parseEntryKey(k)?.slug === 'posts'
    const posts = (await entries()).filter(isPostEntry)
    expect(posts.length).toBeGreaterThanOrEqual(12)
    let result = await purge(pair.cached, { collection: 'posts' }, { maxOperations: 5 })
    let rounds = 1
    expect(result.deleted).toBe(4) // one list, four deletes
    while (result.cursor) {
      result = await purge(
        pair.cached,
        { collection: 'posts' },
        { cursor: result.cursor, maxOperations: 5 },
      )
      rounds++
    }
    expect(rounds).toBeGreaterThan(2)
    const left = await entries()
    expect(left.filter(isPostEntry)).toEqual([])
    expect(left.some((k) => parseEntryKey(k)?.slug === 'categories')).toBe(true)
    expect((await entries(tokenPrefix('payload'))).sort()).toEqual(tokensBefore)
    // Reads still answer correctly afterwards (from the database, then cached again).
    const args = { collection: 'posts' as const, sort: 'slug', depth: 0 }
    expect(await pair.cached.find(args)).toEqual(await pair.plain.find(args))
  })

  it('rejects a cursor it did not hand out', async () => {
    await expect(purge(pair.cached, {}, { cursor: 'nonsense' })).rejects.toThrow(
      'purge cursor is not one that purge returned',
    )
  })

  it('purges everything except invalidation tokens', async () => {
    await fill()
    let result = await purge(pair.cached)
    while (result.cursor) result = await purge(pair.cached, {}, { cursor: result.cursor })
    const left = await entries()
    expect(left.length).toBeGreaterThan(0)
    expect(left.every(isTokenKey)).toBe(true)
  })

  it('flushes after a migration run through Payload', async () => {
    const args = { collection: 'categories' as const, depth: 0 }
    await pair.cached.find(args)
    resetCacheStats(pair.cached)
    await pair.cached.find(args)
    expect(getCacheStats(pair.cached).total.hits.memory).toBe(1)
    resetCacheStats(pair.cached)
    await pair.cached.db.migrate({ migrations: [] })
    expect(getCacheStats(pair.cached).invalidations['*']).toBe(1)
    await pair.cached.find(args)
    expect(getCacheStats(pair.cached).total.misses).toBe(1)
  })
})

describe('composition with another decorator outside the cache (sqlite)', () => {
  let pair: CachedPair
  let outer: TestPayload
  beforeAll(async () => {
    pair = await startCachedPair('sqlite', {}, 3)
  })
  afterAll(async () => {
    await outer?.cleanup()
    await pair?.cleanup()
  })

  it('still caches, invalidates and keeps the adapter whole when wrapped again', async () => {
    let log!: ReturnType<typeof observeAdapter>[1]
    let counted!: ReturnType<typeof instrumentKV>
    outer = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory, kv) => {
        counted = instrumentKV(kv)
        const [observed, calls] = observeAdapter(withKVCache(factory, counted.kv, steady()))
        log = calls
        return observed
      },
    })
    const { payload } = outer
    expect(payload.db.name).toBe('sqlite')
    expect('drizzle' in payload.db).toBe(true)
    const id = pair.data.posts[0] as number
    await payload.findByID({ collection: 'posts', id, depth: 0 })
    resetCacheStats(payload)
    await payload.findByID({ collection: 'posts', id, depth: 0 })
    expect(getCacheStats(payload).total.hits.memory).toBe(1)
    expect(log.count('findOne')).toBe(2) // the outer decorator sees every call
    await payload.update({ collection: 'posts', id, data: { title: 'Outer' } })
    expect((await payload.findByID({ collection: 'posts', id, depth: 0 })).title).toBe('Outer')
    expect(counted.counts.put).toBeGreaterThan(0)
  })
})
