import { env } from 'cloudflare:workers'
import type { BaseDatabaseAdapter, DatabaseAdapterObj } from 'payload'
import { laggingD1 } from 'payload-kv-cache-test-fixtures/laggingD1'
import { describe, expect, it } from 'vitest'
import { getCacheStats, settled, withKVCache } from '../../src/index.js'
import { postsPayload } from './postsPayload.js'

/**
 * D1 read replication inside workerd: the lagging D1 double over two real D1 databases (primary
 * and replica) of this runner, and an adapter that does what `@payloadcms/db-d1-sqlite` does with
 * `readReplicas: 'first-primary'` (one session per isolate, opened in `connect()`, every query on
 * it). A write in one isolate is seen by another within the bound, though that isolate's session
 * would read a replica held back on purpose.
 */
type Doc = { id: number; title: string }
type Session = { prepare(sql: string): D1PreparedStatement }

const d1Adapter = (binding: D1Database, calls: { reads: number }): DatabaseAdapterObj => ({
  name: 'sqlite',
  defaultIDType: 'number',
  init: () =>
    ({
      name: 'sqlite',
      binding,
      readReplicas: 'first-primary',
      session: undefined as Session | undefined,
      async connect(this: { binding: D1Database; session?: Session }) {
        this.session = this.binding.withSession('first-primary')
      },
      async findOne(
        this: { session: Session },
        { where }: { where: { and: [{ id: { equals: number } }] } },
      ) {
        calls.reads++
        const id = where.and[0].id.equals
        return this.session
          .prepare('SELECT id, title FROM posts WHERE id = ?')
          .bind(id)
          .first<Doc>()
      },
      async updateOne(
        this: { session: Session },
        { id, data }: { id: number; data: Partial<Doc> },
      ) {
        await this.session
          .prepare('UPDATE posts SET title = ? WHERE id = ?')
          .bind(data.title, id)
          .run()
        return { id, title: data.title }
      },
    }) as unknown as BaseDatabaseAdapter,
})

const byID = (id: number) => ({
  collection: 'posts',
  where: { and: [{ id: { equals: id } }] },
  req: { context: {} },
})

describe('D1 read replication inside workerd (the lagging double)', () => {
  it('a write in one isolate is seen by another within the bound, though its replica is held back', async () => {
    const replicated = laggingD1(env.D1, env.D1_REPLICA, { lagMs: 0 })
    await replicated.binding.exec(
      'CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, title TEXT)',
    )
    await replicated.binding.prepare("INSERT INTO posts VALUES (1, 'Before')").run()
    await replicated.catchUp()
    replicated.plan.lagMs = Number.POSITIVE_INFINITY

    const isolate = async () => {
      const calls = { reads: 0 }
      const payload = postsPayload()
      const db = withKVCache(d1Adapter(replicated.binding, calls), () => env.CACHE, {
        namespace: 'd1-replicas',
        invalidationCheckMs: 100,
      }).init({ payload }) as BaseDatabaseAdapter
      Object.assign(payload, { db })
      await db.connect?.()
      return { payload, db, calls }
    }
    const writer = await isolate()
    const reader = await isolate()

    expect(await reader.db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'Before' })
    expect(await reader.db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'Before' })
    expect(reader.calls.reads).toBe(1)

    await writer.db.updateOne({ collection: 'posts', id: 1, data: { title: 'After' } } as never)
    await settled(writer.payload)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const replicaReads = replicated.counts.replicaReads

    expect(await reader.db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'After' })
    await settled(reader.payload)
    expect(await reader.db.findOne(byID(1) as never)).toEqual({ id: 1, title: 'After' })
    expect(getCacheStats(reader.payload).lag.bookmark).toBe(1)
    // The replica was never caught up: the miss read the primary, through the writer's bookmark.
    expect(replicated.position.applied).toBeLessThan(replicated.position.written)
    expect(replicated.counts.replicaReads).toBe(replicaReads)
  })
})
