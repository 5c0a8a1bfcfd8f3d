import type { Config, Payload, Plugin } from 'payload'
import { flush, type Invalidated, KVCacheConfigError, withKVCache } from 'payload-kv-cache'
import { hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { startPayload, type TestPayload, type Wrap } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type KVCachePluginOptions, kvCachePlugin, readForPageCache } from '../src/index.js'
import { pageTags, revalidationTags } from '../src/utilities/pageCacheTags.js'
import { startTransactionalSqlite } from './transactionalSqlite.js'

/**
 * Page caches (`pageCache`): a render tags itself from the reads it makes, in the cache's own
 * dependency model, and each committed write revalidates the tags it made stale. What the browser
 * sees of it (OpenNext in workerd, two processes) is in examples/d1/e2e/pageCache.e2e.ts.
 */

const unchecked = (options: unknown) => options as KVCachePluginOptions
const config = (): Config =>
  ({ collections: [{ slug: 'posts', fields: [] }], globals: [] }) as unknown as Config

describe('the pageCache option', () => {
  it('is refused at config time when it is wrong', () => {
    const cases: Array<[unknown, RegExp]> = [
      [true, /pageCache must be false or \{ revalidate, tagPrefix\? \}/],
      [{}, /pageCache.revalidate must be a function/],
      [{ revalidate: () => {}, tags: 'x' }, /pageCache: unknown option\(s\) tags/],
      [{ revalidate: () => {}, tagPrefix: 'a,b' }, /pageCache.tagPrefix must be/],
      [{ revalidate: () => {}, tagPrefix: '_N_T_/' }, /not start with _N_T_/],
      [{ revalidate: () => {}, tagPrefix: '' }, /pageCache.tagPrefix must be/],
    ]
    for (const [pageCache, message] of cases) {
      expect(() => kvCachePlugin(unchecked({ pageCache }))(config())).toThrow(KVCacheConfigError)
      expect(() => kvCachePlugin(unchecked({ pageCache }))(config())).toThrow(message)
    }
    expect(() => kvCachePlugin({ pageCache: false })(config())).not.toThrow()
  })

  it('keeps its tag prefix in the server-only custom config, beside what is there', () => {
    const incoming = { ...config(), custom: { mine: 1 } } as Config
    const result = kvCachePlugin({ pageCache: { revalidate: () => {}, tagPrefix: 'site:' } })(
      incoming,
    )
    expect(result.custom).toEqual({
      mine: 1,
      'payload-kv-cache-hooks.pageCache': { tagPrefix: 'site:' },
    })
    expect(kvCachePlugin({})(incoming).custom).toBe(incoming.custom)
  })
})

describe('page-cache tags', () => {
  it('are the cache tokens behind the prefix, ids encoded so that a page keeps them apart', () => {
    expect(
      pageTags('payload:', ['all', 'c:posts:list', 'c:posts:items', 'c:posts:id:7', 'g:header']),
    ).toEqual([
      'payload:all',
      'payload:c:posts:list',
      'payload:c:posts:items',
      'payload:c:posts:id:7',
      'payload:g:header',
    ])
    // Next.js joins a page's tags with commas; text ids may hold anything.
    expect(pageTags('p:', ['c:pages:id:a,b é'])).toEqual(['p:c:pages:id:a%2Cb%20%C3%A9'])
  })

  it('fold documents read by id into the collection past 64 tags, never losing a write', () => {
    const ids = Array.from({ length: 80 }, (_, i) => `c:posts:id:${i}`)
    const tags = pageTags('payload:', ['all', 'c:posts:items', ...ids, 'c:authors:list'])
    expect(tags).toEqual([
      'payload:all',
      'payload:c:posts:items',
      'payload:c:authors:list',
      'payload:c:posts:list',
    ])
  })

  it('of a committed write name its lists, documents, globals, or everything', () => {
    const written: Invalidated = {
      all: false,
      collections: {
        posts: { documents: ['7'], lists: true },
        comments: { documents: 'all', lists: true },
        _posts_versions: { documents: 'none', lists: true },
      },
      globals: ['header'],
    }
    expect(revalidationTags('payload:', written)).toEqual([
      'payload:c:posts:list',
      'payload:c:posts:id:7',
      'payload:c:comments:list',
      'payload:c:comments:items',
      'payload:c:_posts_versions:list',
      'payload:g:header',
    ])
    const many = Array.from({ length: 40 }, (_, i) => String(i))
    expect(
      revalidationTags('payload:', {
        all: false,
        collections: { posts: { documents: many, lists: true } },
        globals: [],
      }),
    ).toEqual(['payload:c:posts:list', 'payload:c:posts:items'])
    expect(revalidationTags('payload:', { all: true, collections: {}, globals: [] })).toEqual([
      'payload:all',
    ])
  })
})

type Start = (wrap: Wrap, plugins: Plugin[]) => Promise<TestPayload>

const setups: Array<{ name: string; skip: boolean; transactions: boolean; start: Start }> = [
  {
    name: 'sqlite',
    skip: false,
    transactions: false,
    start: (wrap, plugins) => startPayload({ kind: 'sqlite', wrap, plugins }),
  },
  {
    // The fixtures' sqlite has no transactions (Payload's default): this one turns them on.
    name: 'sqlite with transactionOptions',
    skip: false,
    transactions: true,
    start: startTransactionalSqlite,
  },
  {
    name: 'postgres',
    skip: !hasPostgres(),
    transactions: true,
    start: (wrap, plugins) => startPayload({ kind: 'postgres', wrap, plugins }),
  },
]

for (const setup of setups) {
  describe.skipIf(setup.skip)(
    `page caches revalidated from committed writes (${setup.name})`,
    () => {
      let started: TestPayload
      let payload: Payload
      /** Written one at a time: sqlite with transactions allows one writer. */
      const data = { authors: [] as number[], posts: [] as number[] }
      /** Every call of `revalidate`, as Next.js's `revalidateTag` would receive them. */
      const revalidated: string[][] = []
      /** What `revalidate` had been given when a hook after the write ran, before its commit. */
      const seenInHooks: number[] = []
      const behaviour = { failWrite: false, revalidate: 'record' as 'record' | 'throw' | 'reject' }

      const lookInside: Plugin = (incoming) => ({
        ...incoming,
        collections: incoming.collections?.map((collection) =>
          collection.slug !== 'authors'
            ? collection
            : {
                ...collection,
                hooks: {
                  ...collection.hooks,
                  afterChange: [
                    ...(collection.hooks?.afterChange ?? []),
                    ({ doc }) => {
                      seenInHooks.push(revalidated.length)
                      if (behaviour.failWrite) throw new Error('a later hook fails the write')
                      return doc
                    },
                  ],
                },
              },
        ),
      })

      beforeAll(async () => {
        started = await setup.start(
          (factory, kv) => withKVCache(factory, kv, steady()),
          [
            kvCachePlugin({
              pageCache: {
                revalidate: (tags) => {
                  if (behaviour.revalidate === 'throw') throw new Error('no Next.js request here')
                  if (behaviour.revalidate === 'reject') return Promise.reject(new Error('later'))
                  revalidated.push(tags)
                },
              },
            }),
            lookInside,
          ],
        )
        payload = started.payload
        for (const name of ['Ada', 'Grace']) {
          const author = await payload.create({ collection: 'authors', data: { name } })
          data.authors.push(author.id as number)
        }
        for (const n of [1, 2, 3]) {
          const post = await payload.create({
            collection: 'posts',
            data: {
              title: `Post ${n}`,
              slug: `post-${n}`,
              author: data.authors[n % 2],
              _status: 'published',
            },
          })
          data.posts.push(post.id as number)
        }
      }, 120_000)
      afterAll(() => started?.cleanup())

      /** A post page as a site renders it: the post by slug with its author and comments, the header. */
      const postPage = (slug: string, joins?: false) =>
        readForPageCache(payload, async () => {
          const { docs } = await payload.find({
            collection: 'posts',
            where: { slug: { equals: slug } },
            depth: 1,
            ...(joins === false ? { joins: false } : {}),
          })
          const header = await payload.findGlobal({ slug: 'header', depth: 0 })
          return { post: docs[0], header }
        })
      const meets = (tags: string[]) => (pageTags: string[]) =>
        pageTags.some((tag) => tags.includes(tag))
      const allRevalidated = () => revalidated.flat()

      it('tags a render with what its reads depended on, population, joins and globals included', async () => {
        const { value, tags } = await postPage('post-1')
        expect(value.post?.slug).toBe('post-1')
        expect(tags).toEqual(
          expect.arrayContaining([
            'payload:all',
            'payload:c:posts:list',
            'payload:c:authors:list',
            'payload:c:comments:list',
            'payload:g:header',
          ]),
        )
      })

      it('revalidates a page when its author is renamed, after the commit, in one call', async () => {
        const { value, tags } = await postPage('post-1')
        const author = (value.post?.author as { id: number | string } | undefined)?.id as number
        revalidated.length = 0
        seenInHooks.length = 0
        await payload.update({ collection: 'authors', id: author, data: { name: 'Renamed' } })
        // A hook after the write ran before anything was revalidated when there is a transaction.
        if (setup.transactions) expect(seenInHooks).toEqual([0])
        expect(revalidated.length).toBeGreaterThanOrEqual(1)
        expect(allRevalidated()).toContain(`payload:c:authors:id:${author}`)
        expect(meets(allRevalidated())(tags)).toBe(true)
        // And the page renders the new name.
        const again = await postPage('post-1')
        expect((again.value.post?.author as { name: string } | undefined)?.name).toBe('Renamed')
      })

      it('revalidates a page for a new comment only when it read the comments', async () => {
        const withComments = (await postPage('post-2')).tags
        const withoutComments = (await postPage('post-2', false)).tags
        revalidated.length = 0
        await payload.create({
          collection: 'comments',
          data: { post: data.posts[1] as number, body: 'Hello' },
        })
        expect(meets(allRevalidated())(withComments)).toBe(true)
        expect(meets(allRevalidated())(withoutComments)).toBe(false)
      })

      it('revalidates every page on a flush', async () => {
        const { tags } = await postPage('post-3')
        revalidated.length = 0
        await flush(payload)
        expect(revalidated).toEqual([['payload:all']])
        expect(tags).toContain('payload:all')
      })

      it('never revalidates for a write that rolled back', async () => {
        if (!setup.transactions) return
        revalidated.length = 0
        behaviour.failWrite = true
        try {
          await expect(
            payload.update({
              collection: 'authors',
              id: data.authors[0] as number,
              data: { name: 'Never' },
            }),
          ).rejects.toThrow('a later hook fails the write')
        } finally {
          behaviour.failWrite = false
        }
        expect(revalidated).toEqual([])
      })

      it('logs a revalidation that throws or rejects, and the write goes through', async () => {
        const error = vi.spyOn(payload.logger, 'error').mockImplementation(() => undefined)
        try {
          for (const how of ['throw', 'reject'] as const) {
            behaviour.revalidate = how
            error.mockClear()
            const id = data.authors[1] as number
            await payload.update({ collection: 'authors', id, data: { name: `After ${how}` } })
            await vi.waitFor(() => expect(error).toHaveBeenCalled())
            expect(JSON.stringify(error.mock.calls[0])).toMatch(
              /revalidating the page caches tagged/,
            )
            expect((await payload.findByID({ collection: 'authors', id })).name).toBe(
              `After ${how}`,
            )
          }
        } finally {
          behaviour.revalidate = 'record'
          error.mockRestore()
        }
      })

      it('refuses a render that reads what the cache does not track', async () => {
        await expect(
          readForPageCache(payload, () => payload.find({ collection: 'payload-preferences' })),
        ).rejects.toThrow(/read payload-preferences, whose writes payload-kv-cache does not track/)
      })
    },
  )
}

describe('readForPageCache without the pageCache option', () => {
  let started: TestPayload
  beforeAll(async () => {
    started = await startPayload({
      kind: 'sqlite',
      wrap: (factory, kv) => withKVCache(factory, kv),
      plugins: [kvCachePlugin({})],
    })
  }, 120_000)
  afterAll(() => started?.cleanup())

  it('throws: nothing would revalidate the page', async () => {
    await expect(
      readForPageCache(started.payload, () => started.payload.count({ collection: 'posts' })),
    ).rejects.toThrow(/needs kvCachePlugin\(\{ pageCache: \{ revalidate \} \}\)/)
  })
})
