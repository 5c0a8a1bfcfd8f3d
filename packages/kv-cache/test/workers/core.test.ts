import { env } from 'cloudflare:workers'
import type { BaseDatabaseAdapter, DatabaseAdapterObj } from 'payload'
import { describe, expect, it } from 'vitest'
import { getCacheStats, settled, withCacheControl, withKVCache } from '../../src/index.js'
import { postsPayload } from './postsPayload.js'

/**
 * The core inside workerd against the real KV binding: Web Crypto keys, KV bulk gets and puts,
 * AsyncLocalStorage under nodejs_compat. Payload itself does not run here; a small adapter over
 * an in-memory table stands in for the database, and counts the calls that reach it.
 */
type Doc = { id: number; title: string }

const memoryAdapter = (rows: Map<number, Doc>, calls: { reads: number }): DatabaseAdapterObj => ({
  name: 'memory',
  defaultIDType: 'number',
  init: () =>
    ({
      name: 'memory',
      find: async ({ where }: { where?: { id?: { equals?: number } } }) => {
        calls.reads++
        const docs = [...rows.values()].filter((d) => !where?.id || d.id === where.id.equals)
        return { docs: structuredClone(docs), totalDocs: docs.length }
      },
      findOne: async ({ where }: { where: { and: [{ id: { equals: number } }] } }) => {
        calls.reads++
        return structuredClone(rows.get(where.and[0].id.equals) ?? null)
      },
      updateOne: async ({ id, data }: { id: number; data: Partial<Doc> }) => {
        const doc = { ...(rows.get(id) as Doc), ...data }
        rows.set(id, doc)
        return structuredClone(doc)
      },
    }) as unknown as BaseDatabaseAdapter,
})

const start = (rows: Map<number, Doc>, namespace: string) => {
  const calls = { reads: 0 }
  const payload = postsPayload()
  const db = withKVCache(memoryAdapter(rows, calls), () => env.CACHE, {
    namespace,
    maxStaleMs: 100,
  }).init({ payload }) as BaseDatabaseAdapter
  Object.assign(payload, { db })
  return { payload, db, calls }
}

/**
 * A by-ID read as Payload's operations make it, with their request (a `context` of its own). One
 * without (findByID's own) is matched to its request by hooks this stand-in Payload does not run.
 */
const byID = (id: number) => ({
  collection: 'posts',
  where: { and: [{ id: { equals: id } }] },
  req: { context: {} },
})

describe('withKVCache inside workerd', () => {
  it('serves repeated reads from the cache and re-reads after a write', async () => {
    const rows = new Map([[1, { id: 1, title: 'One' }]])
    const { payload, db, calls } = start(rows, 'w1')
    expect(await db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'One' })
    expect(await db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'One' })
    expect(calls.reads).toBe(1)
    await db.updateOne({ collection: 'posts', id: 1, data: { title: 'Uno' } } as never)
    expect(await db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'Uno' })
    expect(calls.reads).toBe(2)
    await settled(payload)
    const stats = getCacheStats(payload)
    expect(stats.kv.errors).toBe(0)
    expect(stats.kv.operations.write).toBeGreaterThan(0)
  })

  it('shares entries and invalidations between two isolates through the KV binding', async () => {
    const rows = new Map([[1, { id: 1, title: 'Shared' }]])
    const a = start(rows, 'w2')
    const b = start(rows, 'w2')
    await a.db.find({ collection: 'posts' } as never)
    await settled(a.payload)
    expect(await b.db.find({ collection: 'posts' } as never)).toMatchObject({ totalDocs: 1 })
    expect(getCacheStats(b.payload).total.hits.kv).toBe(1)
    expect(b.calls.reads).toBe(0)
    await a.db.updateOne({ collection: 'posts', id: 1, data: { title: 'Changed in A' } } as never)
    await settled(a.payload)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const seen = (await b.db.find({ collection: 'posts' } as never)) as { docs: Doc[] }
    expect(seen.docs[0]?.title).toBe('Changed in A')
  })

  it('carries withCacheControl through AsyncLocalStorage', async () => {
    const rows = new Map([[1, { id: 1, title: 'Scoped' }]])
    const { db, calls } = start(rows, 'w3')
    await db.findOne(byID(1) as never)
    await withCacheControl({ bypass: true }, () => db.findOne(byID(1) as never))
    expect(calls.reads).toBe(2)
    await db.findOne(byID(1) as never)
    expect(calls.reads).toBe(2)
  })
})
