import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { schemaFingerprint } from '../src/dependencies/schemaFingerprint.js'
import { getCacheStats, resetCacheStats, settled } from '../src/index.js'
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
        key: ({ operation, slug, context }) =>
          slug === 'pages' && operation === 'find' && typeof context.tenant === 'string'
            ? `tenant-${context.tenant}`
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

  it('partitions entries by the custom key, and invalidation still reaches every partition', async () => {
    const pages = (tenant?: string) =>
      pair.cached.find({
        collection: 'pages',
        limit: 3,
        sort: 'title',
        depth: 0,
        ...(tenant ? { context: { tenant } } : {}),
      })
    resetCacheStats(pair.cached)
    const first = await pages('a')
    expect(await pages('a')).toEqual(first)
    expect(await pages('b')).toEqual(first)
    expect(await pages()).toEqual(first)
    // One entry per partition: the same query of another tenant is not served tenant a's entry.
    const stats = () => getCacheStats(pair.cached).reads.pages?.find
    expect(stats()?.misses).toBe(3)
    expect(stats()?.hits.memory).toBe(1)
    await pair.cached.update({
      collection: 'pages',
      id: first.docs[0]?.id as number,
      data: { title: 'A renamed page' },
    })
    for (const tenant of ['a', 'b', undefined]) {
      const after = await pages(tenant)
      expect(
        after.docs.map((d) => d.title),
        String(tenant),
      ).toContain('A renamed page')
    }
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
