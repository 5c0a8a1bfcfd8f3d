import type { Payload } from 'payload'
import type { Content } from './content.js'

/** The editor account the seed creates (local development only). */
export const demoUser = { email: 'editor@example.com', password: 'editor-password' } as const

export type SeedSummary = {
  authors: number
  categories: number
  posts: number
  drafts: number
  comments: number
  ms: number
}

/** Whether the database already has posts (the examples seed only an empty database). */
export const isSeeded = async (payload: Payload): Promise<boolean> =>
  (await payload.count({ collection: 'posts', overrideAccess: true })).totalDocs > 0

/**
 * Writes `content` through Payload's Local API, so every row (locales, relationship tables,
 * versions, the join's comments) is made exactly as an editor's save would make it.
 */
export const seed = async (payload: Payload, content: Content): Promise<SeedSummary> => {
  const started = performance.now()
  const common = { depth: 0, overrideAccess: true } as const
  await payload.create({ collection: 'users', data: { ...demoUser, name: 'Editor' }, ...common })

  const authorIDs: (number | string)[] = []
  for (const author of content.authors) {
    const doc = await payload.create({
      collection: 'authors',
      locale: 'en',
      data: { name: author.name, slug: author.slug, bio: author.bio.en },
      ...common,
    })
    await payload.update({
      collection: 'authors',
      id: doc.id,
      locale: 'de',
      data: { bio: author.bio.de },
      ...common,
    })
    authorIDs.push(doc.id)
  }

  const categoryIDs: (number | string)[] = []
  for (const category of content.categories) {
    const doc = await payload.create({
      collection: 'categories',
      locale: 'en',
      data: { slug: category.slug, title: category.title.en },
      ...common,
    })
    await payload.update({
      collection: 'categories',
      id: doc.id,
      locale: 'de',
      data: { title: category.title.de },
      ...common,
    })
    categoryIDs.push(doc.id)
  }

  const postIDs: (number | string)[] = []
  let drafts = 0
  for (const post of content.posts) {
    const draft = post.status === 'draft'
    if (draft) drafts++
    const _status = draft ? 'draft' : 'published'
    const doc = await payload.create({
      collection: 'posts',
      locale: 'en',
      draft,
      data: {
        slug: post.slug,
        title: post.title.en,
        excerpt: post.excerpt.en,
        body: post.body.en,
        author: authorIDs[post.author] as number,
        categories: post.categories.map((index) => categoryIDs[index] as number),
        publishedAt: post.publishedAt,
        _status,
      },
      ...common,
    })
    await payload.update({
      collection: 'posts',
      id: doc.id,
      locale: 'de',
      draft,
      data: { title: post.title.de, excerpt: post.excerpt.de, body: post.body.de, _status },
      ...common,
    })
    if (post.status === 'published-with-draft') {
      // An unpublished edit: only draft reads (previews) see it.
      await payload.update({
        collection: 'posts',
        id: doc.id,
        locale: 'en',
        draft: true,
        data: { title: `${post.title.en} (revised)`, _status: 'draft' },
        ...common,
      })
    }
    postIDs.push(doc.id)
  }

  for (const comment of content.comments) {
    await payload.create({
      collection: 'comments',
      data: { post: postIDs[comment.post] as number, name: comment.name, body: comment.body },
      ...common,
    })
  }

  await payload.updateGlobal({
    slug: 'header',
    locale: 'en',
    data: {
      siteName: content.header.siteName.en,
      nav: content.header.nav.map((item) => ({ label: item.label.en, href: item.href })),
    },
    ...common,
  })
  // Array rows keep their ids, so the German labels land on the same rows.
  const header = await payload.findGlobal({ slug: 'header', locale: 'en', ...common })
  await payload.updateGlobal({
    slug: 'header',
    locale: 'de',
    data: {
      siteName: content.header.siteName.de,
      nav: ((header.nav ?? []) as { id: string; label: string; href: string }[]).map((row, i) => ({
        ...row,
        label: content.header.nav[i]?.label.de ?? row.label,
      })),
    },
    ...common,
  })

  return {
    authors: authorIDs.length,
    categories: categoryIDs.length,
    posts: postIDs.length,
    drafts,
    comments: content.comments.length,
    ms: Math.round(performance.now() - started),
  }
}
