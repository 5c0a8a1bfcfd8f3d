import type { SQLiteAdapter } from '@payloadcms/db-sqlite'
import type { Payload, Plugin } from 'payload'
import { type CacheEvent, withKVCache } from 'payload-kv-cache'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { type SeedResult, seed } from 'payload-kv-cache-test-fixtures/seed'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type CollectionInvalidationArgs,
  type GlobalInvalidationStrategy,
  type InvalidationTarget,
  kvCachePlugin,
} from '../src/index.js'

type Entry = { event: CacheEvent } | { hook: 'before' | 'after' }

/**
 * Appends an afterChange / afterDelete hook to every collection and global that marks the cache's
 * event log. Listed before and after kvCachePlugin, the two marks frame exactly what the
 * plugin's own hooks did.
 */
const markHooks =
  (log: Entry[], hook: 'before' | 'after'): Plugin =>
  (config) => {
    const mark = ({ doc }: { doc: unknown }) => {
      log.push({ hook })
      return doc
    }
    return {
      ...config,
      collections: config.collections?.map((collection) => ({
        ...collection,
        hooks: {
          ...collection.hooks,
          afterChange: [...(collection.hooks?.afterChange ?? []), mark],
          afterDelete: [...(collection.hooks?.afterDelete ?? []), mark],
        },
      })),
      globals: config.globals?.map((global) => ({
        ...global,
        hooks: { ...global.hooks, afterChange: [...(global.hooks?.afterChange ?? []), mark] },
      })),
    }
  }

describe('kvCachePlugin hooks on sqlite', () => {
  const log: Entry[] = []
  let started: TestPayload
  let payload: Payload
  let data: SeedResult
  // Strategies the tests swap; the plugin is configured once.
  let pagesStrategy: (
    args: CollectionInvalidationArgs,
  ) => InvalidationTarget[] | Promise<InvalidationTarget[]> = () => []
  let headerStrategy: GlobalInvalidationStrategy = () => []

  beforeAll(async () => {
    started = await startPayload({
      kind: 'sqlite',
      wrap: (factory, kv) =>
        withKVCache(factory, kv, steady({ onEvent: (event: CacheEvent) => log.push({ event }) })),
      plugins: [
        markHooks(log, 'before'),
        kvCachePlugin({
          collections: {
            posts: 'item',
            categories: 'collection',
            authors: () => [{ global: 'header' }],
            pages: (args) => pagesStrategy(args),
          },
          globals: { header: (args) => headerStrategy(args) },
        }),
        markHooks(log, 'after'),
      ],
    })
    payload = started.payload
    data = await seed(payload, { posts: 5 })
  })
  afterAll(() => started?.cleanup())

  /** The invalidations the plugin's hooks made during the last write (between the two marks). */
  const pluginInvalidations = () => {
    const before = log.findLastIndex((entry) => 'hook' in entry && entry.hook === 'before')
    const after = log.findIndex((entry, index) => index > before && 'hook' in entry)
    expect(before).toBeGreaterThanOrEqual(0)
    expect(log[after]).toEqual({ hook: 'after' })
    return log
      .slice(before + 1, after)
      .flatMap((entry) =>
        'event' in entry && entry.event.type === 'invalidate' ? [entry.event] : [],
      )
  }

  /** Runs `read` and says how the cache answered each read of `slug` it made. */
  const served = async (slug: string, read: () => Promise<unknown>) => {
    const from = log.length
    const result = await read()
    const outcomes = log
      .slice(from)
      .flatMap((entry) =>
        'event' in entry &&
        (entry.event.type === 'hit' || entry.event.type === 'miss') &&
        entry.event.slug === slug
          ? [entry.event.type]
          : [],
      )
    return { result, outcomes }
  }

  const post = (id: number | string) => () =>
    payload.findByID({ collection: 'posts', id, depth: 0, disableErrors: true })
  const category = (id: number | string) => () =>
    payload.findByID({ collection: 'categories', id, depth: 0 })
  const header = () => payload.findGlobal({ slug: 'header', depth: 0 })

  it("'item': a write invalidates the written document, and by-ID reads of other documents still hit", async () => {
    const [a, b] = data.published as [number, number]
    await served('posts', post(a))
    await served('posts', post(b))
    expect((await served('posts', post(a))).outcomes).toEqual(['hit'])

    await payload.update({ collection: 'posts', id: a, depth: 0, data: { views: 4242 } })

    expect(pluginInvalidations()).toEqual([
      {
        type: 'invalidate',
        scope: 'collection',
        slug: 'posts',
        targets: expect.arrayContaining([expect.stringMatching(new RegExp(`:id:${a}$`))]),
      },
    ])
    const reread = await served('posts', post(a))
    expect(reread.outcomes).toEqual(['miss'])
    expect(reread.result).toMatchObject({ id: a, views: 4242 })
    expect((await served('posts', post(b))).outcomes).toEqual(['hit'])
  })

  it("'item': a delete invalidates the deleted document", async () => {
    const created = await payload.create({
      collection: 'posts',
      depth: 0,
      data: { title: 'To delete', _status: 'published' },
    })
    expect((await served('posts', post(created.id))).outcomes).toEqual(['miss'])
    expect((await served('posts', post(created.id))).outcomes).toEqual(['hit'])

    await payload.delete({ collection: 'posts', id: created.id })

    const [event] = pluginInvalidations()
    expect(event).toMatchObject({
      slug: 'posts',
      targets: expect.arrayContaining([`c:posts:id:${created.id}`]),
    })
    const reread = await served('posts', post(created.id))
    expect(reread.outcomes).toEqual(['miss'])
    expect(reread.result).toBeNull()
  })

  it("'collection': a write invalidates every read of the collection, by-ID reads of other documents too", async () => {
    const [x, y] = data.categories as [number, number]
    await served('categories', category(x))
    await served('categories', category(y))
    expect((await served('categories', category(y))).outcomes).toEqual(['hit'])

    await payload.update({ collection: 'categories', id: x, depth: 0, data: { name: 'Renamed' } })

    const invalidations = pluginInvalidations()
    expect(invalidations).toMatchObject([{ scope: 'collection', slug: 'categories' }])
    expect(invalidations[0]?.type === 'invalidate' && invalidations[0].targets.join()).not.toMatch(
      /:id:/,
    )
    // Without the plugin the cache keeps by-ID reads of other documents: here it is re-read.
    expect((await served('categories', category(y))).outcomes).toEqual(['miss'])
  })

  it('a function strategy invalidates the global it returns: a cached findGlobal is re-read from the database', async () => {
    await served('header', header)
    const before = await served('header', header)
    expect(before.outcomes).toEqual(['hit'])
    expect(before.result).toMatchObject({ title: 'Welcome' })

    // Behind the cache's back, as a script with raw SQL would: the cache cannot know.
    const db = payload.db as unknown as SQLiteAdapter
    await db.execute({
      drizzle: db.drizzle as unknown as Parameters<SQLiteAdapter['execute']>[0]['drizzle'],
      raw: `UPDATE header_locales SET title = 'Changed in SQL' WHERE _locale = 'en'`,
    })
    expect((await served('header', header)).result).toMatchObject({ title: 'Welcome' })

    // authors → [{ global: 'header' }]; the cache alone would not touch the header for this write.
    await payload.update({
      collection: 'authors',
      id: data.authors[0] as number,
      data: { name: 'Renamed' },
    })

    expect(pluginInvalidations()).toMatchObject([{ scope: 'global', slug: 'header' }])
    const after = await served('header', header)
    expect(after.outcomes).toEqual(['miss'])
    expect(after.result).toMatchObject({ title: 'Changed in SQL' })
  })

  it('a global strategy invalidates the collections it returns', async () => {
    const args: unknown[] = []
    headerStrategy = (received) => {
      args.push(received)
      return [{ collection: 'pages' }]
    }
    const page = data.pages[0] as number
    const pages = () => payload.find({ collection: 'pages', depth: 0, limit: 0 })
    const byID = () => payload.findByID({ collection: 'pages', id: page, depth: 0 })
    await served('pages', pages)
    await served('pages', byID)
    expect((await served('pages', pages)).outcomes).toEqual(['hit'])

    await payload.updateGlobal({ slug: 'header', depth: 0, data: { title: 'Hello' } })

    expect(pluginInvalidations()).toMatchObject([{ scope: 'collection', slug: 'pages' }])
    expect(args).toEqual([
      expect.objectContaining({
        global: 'header',
        doc: expect.objectContaining({ title: 'Hello' }),
        previousDoc: expect.objectContaining({ title: expect.any(String) }),
        req: expect.objectContaining({ payload }),
      }),
    ])
    expect((await served('pages', pages)).outcomes).toEqual(['miss'])
    expect((await served('pages', byID)).outcomes).toEqual(['miss'])
  })

  it('a strategy function gets the document, the previous document and the operation, and may be async', async () => {
    const calls: Array<{ operation: string; title: unknown; previous: unknown }> = []
    const target = data.published[1] as number
    pagesStrategy = async ({ collection, doc, operation, previousDoc }) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      calls.push({ operation, title: doc.title, previous: previousDoc?.title })
      return [{ collection: 'posts', id: target }, { collection }]
    }
    const page = await payload.create({
      collection: 'pages',
      depth: 0,
      data: { title: 'Draft page' },
    })
    expect(pluginInvalidations()).toMatchObject([
      { slug: 'posts', targets: expect.arrayContaining([`c:posts:id:${target}`]) },
      { slug: 'pages' },
    ])
    await payload.update({
      collection: 'pages',
      id: page.id,
      depth: 0,
      data: { title: 'Final page' },
    })
    await payload.delete({ collection: 'pages', id: page.id })

    expect(calls).toEqual([
      { operation: 'create', title: 'Draft page', previous: undefined },
      { operation: 'update', title: 'Final page', previous: 'Draft page' },
      { operation: 'delete', title: 'Final page', previous: undefined },
    ])
    pagesStrategy = () => []
  })

  it('a failing or wrong strategy never fails the write; the problem is logged', async () => {
    const error = vi.spyOn(payload.logger, 'error').mockImplementation(() => undefined)
    try {
      pagesStrategy = () => {
        throw new Error('policy bug')
      }
      const page = await payload.create({
        collection: 'pages',
        depth: 0,
        data: { title: 'Still saved' },
      })
      expect(page.title).toBe('Still saved')
      expect(pluginInvalidations()).toEqual([])
      expect(error).toHaveBeenLastCalledWith(
        expect.objectContaining({
          msg: expect.stringMatching(/collections\.pages \(create\) failed/),
        }),
      )

      pagesStrategy = () => [{ collection: 'nope' }, { global: 'header' }] as InvalidationTarget[]
      await payload.update({ collection: 'pages', id: page.id, depth: 0, data: { title: 'Again' } })
      expect(error).toHaveBeenLastCalledWith(
        expect.stringMatching(/collections\.pages \(update\) returned unknown collection 'nope'/),
      )
      // The valid targets still apply.
      expect(pluginInvalidations()).toMatchObject([{ scope: 'global', slug: 'header' }])
    } finally {
      pagesStrategy = () => []
      error.mockRestore()
    }
  })
})
