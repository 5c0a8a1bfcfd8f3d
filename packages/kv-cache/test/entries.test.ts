import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, resetCacheStats, settled } from '../src/index.js'
import { schemaFingerprint } from '../src/schema.js'
import { buildTestConfig } from './fixtures/schema.js'
import { type CachedPair, startCachedPair } from './suites/cacheSuite.js'

/** TTLs, sizes, custom keys and schema changes: what an entry is and how long it lives. */
describe('entries (sqlite)', () => {
  let pair: CachedPair

  beforeAll(async () => {
    pair = await startCachedPair(
      'sqlite',
      {
        ttl: 600,
        collections: { authors: { ttl: 1 } },
        maxEntryBytes: 2_000,
        key: ({ operation, slug, args }) =>
          slug === 'pages' && operation === 'find'
            ? `pages-by-limit-${String(args.limit)}`
            : undefined,
      },
      6,
    )
  })
  afterAll(() => pair?.cleanup())

  const authorsFind = () => pair.cached.find({ collection: 'authors', depth: 0, sort: 'name' })

  it('expires an entry with a TTL under KV’s 60 s minimum on time, and KV accepted it', async () => {
    await authorsFind()
    resetCacheStats(pair.cached)
    await authorsFind()
    expect(getCacheStats(pair.cached).reads.authors?.find?.hits.memory).toBe(1)
    await settled(pair.cached)
    expect(getCacheStats(pair.cached).kv.errors).toBe(0)
    const stored = await pair.kv.list({ prefix: 'payload:' })
    expect(stored.keys.some((k) => k.name.includes(':c:authors:find:'))).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    resetCacheStats(pair.cached)
    await authorsFind()
    const stats = getCacheStats(pair.cached).reads.authors?.find
    expect(stats?.misses).toBe(1)
    expect(stats?.hits.kv).toBe(0)
  })

  it('does not store results over maxEntryBytes, and still answers them', async () => {
    const raw = await pair.plain.db.find({ collection: 'posts', limit: 100 })
    expect(JSON.stringify(raw).length).toBeGreaterThan(2_000)
    resetCacheStats(pair.cached)
    const big = () => pair.cached.find({ collection: 'posts', depth: 0, limit: 100 })
    const first = await big()
    const second = await big()
    expect(second).toEqual(first)
    const stats = getCacheStats(pair.cached).reads.posts?.find
    expect(stats?.skippedForSize).toBe(2)
    expect(stats?.hits.memory).toBe(0)
  })

  it('uses a custom key within the collection’s scope, so invalidation still reaches it', async () => {
    const sorted = (sort: string) =>
      pair.cached.find({ collection: 'pages', limit: 3, sort, depth: 0 })
    const first = await sorted('title')
    // The custom key ignores `sort`: the user chose to share one entry between both sorts.
    expect(await sorted('-title')).toEqual(first)
    await pair.cached.update({
      collection: 'pages',
      id: first.docs[0]?.id as number,
      data: { title: 'Renamed page' },
    })
    const after = await sorted('-title')
    expect(after.docs.map((d) => d.title)).toContain('Renamed page')
    expect(after).not.toEqual(first)
  })

  it('keys entries by the schema, so a deploy that adds a field reads none of the old ones', async () => {
    const before = await buildTestConfig({ db: pair.database.attach() })
    const after = await buildTestConfig({ db: pair.database.attach() })
    const posts = after.collections.find((c) => c.slug === 'posts')
    posts?.fields.push({ name: 'subtitle', type: 'text' })
    expect(schemaFingerprint(after)).not.toBe(schemaFingerprint(before))
    expect(schemaFingerprint(await buildTestConfig({ db: pair.database.attach() }))).toBe(
      schemaFingerprint(before),
    )
  })
})
