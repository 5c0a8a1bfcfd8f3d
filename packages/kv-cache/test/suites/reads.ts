import type { Payload, Where } from 'payload'
import type { SeedResult } from 'payload-kv-cache-test-fixtures/seed'

/**
 * A battery of Local API reads that touches every read method of the adapter, relationship
 * population (depth), joins, drafts and versions, locales, select, pagination, sort and access
 * control. A differential test runs it on the plain and the cached instance and compares.
 */
export const readBattery = async (payload: Payload, data: SeedResult, kind: string) => {
  const [firstPost, secondPost] = data.posts
  const { admin, editor } = data.users
  const out: Record<string, unknown> = {}
  const run = async (name: string, read: () => Promise<unknown>) => {
    try {
      out[name] = await read()
    } catch (error) {
      out[name] = { error: (error as Error).name, message: (error as Error).message }
    }
  }
  await run('page1', () =>
    payload.find({ collection: 'posts', limit: 5, page: 1, sort: '-views', depth: 1 }),
  )
  await run('page2', () =>
    payload.find({ collection: 'posts', limit: 5, page: 2, sort: '-views', depth: 1 }),
  )
  await run('whereThroughRelationship', () =>
    payload.find({
      collection: 'posts',
      where: { 'author.name': { equals: 'Author 1' } } as Where,
      sort: 'slug',
      depth: 0,
    }),
  )
  await run('sortThroughRelationship', () =>
    payload.find({ collection: 'posts', sort: ['author.name', 'slug'], limit: 8, depth: 0 }),
  )
  await run('german', () =>
    payload.find({ collection: 'posts', locale: 'de', limit: 6, sort: 'slug', depth: 0 }),
  )
  await run('allLocales', () =>
    payload.find({ collection: 'authors', locale: 'all', sort: 'name', depth: 0 }),
  )
  await run('select', () =>
    payload.find({
      collection: 'posts',
      select: { title: true, views: true },
      sort: 'slug',
      limit: 10,
    }),
  )
  await run('drafts', () =>
    payload.find({ collection: 'posts', draft: true, sort: 'slug', limit: 10, depth: 0 }),
  )
  await run('byID', () =>
    payload.findByID({ collection: 'posts', id: firstPost as never, depth: 2 }),
  )
  await run('byIDDraft', () =>
    payload.findByID({ collection: 'posts', id: secondPost as never, draft: true, depth: 0 }),
  )
  await run('joinComments', () =>
    payload.findByID({
      collection: 'posts',
      id: firstPost as never,
      depth: 0,
      joins: { comments: { limit: 3, sort: '-createdAt' } },
    }),
  )
  await run('joinOverDrafts', () =>
    payload.find({
      collection: 'authors',
      depth: 0,
      sort: 'name',
      joins: { posts: { limit: 4, sort: 'slug' } },
    }),
  )
  await run('joinOverDraftsWithDrafts', () =>
    payload.findByID({
      collection: 'authors',
      id: data.authors[0] as never,
      draft: true,
      depth: 0,
      joins: { posts: { sort: 'slug' } },
    }),
  )
  await run('count', () =>
    payload.count({ collection: 'posts', where: { views: { greater_than: 500 } } }),
  )
  await run('versions', () =>
    payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: firstPost } },
      sort: '-updatedAt',
      depth: 0,
    }),
  )
  await run('countVersions', () => payload.countVersions({ collection: 'posts' }))
  await run('global', () => payload.findGlobal({ slug: 'header', depth: 1 }))
  await run('globalDe', () => payload.findGlobal({ slug: 'header', locale: 'de', depth: 0 }))
  await run('globalVersions', () => payload.findGlobalVersions({ slug: 'header', depth: 0 }))
  await run('categoriesTree', () =>
    payload.find({ collection: 'categories', sort: 'name', depth: 1, pagination: false }),
  )
  await run('asAdmin', () =>
    payload.find({
      collection: 'posts',
      overrideAccess: false,
      user: admin,
      depth: 0,
      sort: 'slug',
    }),
  )
  await run('asEditor', () =>
    payload.find({
      collection: 'posts',
      overrideAccess: false,
      user: editor,
      depth: 0,
      sort: 'slug',
    }),
  )
  await run('anonymous', () =>
    payload.find({ collection: 'posts', overrideAccess: false, depth: 0, sort: 'slug' }),
  )
  if (kind !== 'd1') {
    await run('distinct', () =>
      payload.findDistinct({ collection: 'posts', field: 'views', sort: 'views', limit: 5 }),
    )
  }
  return out
}
