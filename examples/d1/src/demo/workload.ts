import type { Payload, Where } from 'payload'
import type { Locale, Random } from 'payload-kv-cache-example-shared'

type ID = number | string

/** What the workload knows about the site: ids, and which posts are published. */
export type SiteIndex = {
  published: { id: ID; slug: string }[]
  drafts: { id: ID; slug: string }[]
  authors: ID[]
  categories: ID[]
  comments: ID[]
}

export type Step =
  | { type: 'read'; kind: string; run: (payload: Payload) => Promise<unknown> }
  | { type: 'edit'; kind: string; run: (payload: Payload) => Promise<unknown> }

/** The ids the workload reads and edits, from the database after seeding. */
export const indexSite = async (payload: Payload): Promise<SiteIndex> => {
  const all = { depth: 0, limit: 0, pagination: false, overrideAccess: true } as const
  const posts = await payload.find({
    collection: 'posts',
    ...all,
    select: { slug: true, _status: true },
  })
  const ids = async (collection: 'authors' | 'categories' | 'comments') =>
    (await payload.find({ collection, ...all, select: {} })).docs.map((doc) => doc.id)
  return {
    published: posts.docs
      .filter((post) => post._status === 'published')
      .map(({ id, slug }) => ({ id, slug: String(slug) })),
    drafts: posts.docs
      .filter((post) => post._status !== 'published')
      .map(({ id, slug }) => ({ id, slug: String(slug) })),
    authors: await ids('authors'),
    categories: await ids('categories'),
    comments: await ids('comments'),
  }
}

/** Posts by popularity rank: a few posts get most of the traffic, as on a real site (Zipf, s = 1.1). */
const zipf = (random: Random, count: number): number => {
  let total = 0
  for (let rank = 1; rank <= count; rank++) total += 1 / rank ** 1.1
  let target = random.next() * total
  for (let rank = 1; rank <= count; rank++) {
    target -= 1 / rank ** 1.1
    if (target <= 0) return rank - 1
  }
  return count - 1
}

/**
 * `count` requests of a news site's front end (listing pages, post pages with their comments,
 * category and author pages, the header on every page, counts, editors' draft previews) with
 * editors' writes interleaved at `editRate`: new titles, publishing drafts, draft-only edits, new
 * and deleted comments (the posts' join), renamed categories (populated into posts), the header.
 * Deterministic for a given PRNG; `site` is updated as the edits are made.
 */
export function* workload(
  random: Random,
  site: SiteIndex,
  count: number,
  editRate: number,
): Generator<Step> {
  const visitor = { overrideAccess: false } as const
  const locale = (): Locale => (random.chance(0.7) ? 'en' : 'de')
  const popular = () => {
    const post = site.published[zipf(random, site.published.length)]
    if (!post) throw new Error('the workload needs published posts')
    return post
  }
  /** Removes and returns a random item (the list is checked to be non-empty first). */
  const takeRandom = <T>(items: T[]): T => items.splice(random.int(0, items.length - 1), 1)[0] as T
  let edits = 0

  for (let i = 0; i < count; i++) {
    if (random.chance(editRate)) {
      edits++
      const n = edits
      const roll = random.next()
      const where = locale()
      if (roll < 0.25) {
        const post = popular()
        yield {
          type: 'edit',
          kind: 'retitle a post',
          run: (p) =>
            p.update({
              collection: 'posts',
              id: post.id,
              locale: where,
              data: { title: `Edited title ${n} (${where})`, _status: 'published' },
            }),
        }
      } else if (roll < 0.35 && site.drafts.length) {
        const post = takeRandom(site.drafts)
        site.published.push(post)
        yield {
          type: 'edit',
          kind: 'publish a draft',
          run: (p) =>
            p.update({ collection: 'posts', id: post.id, data: { _status: 'published' } }),
        }
      } else if (roll < 0.45) {
        const post = popular()
        yield {
          type: 'edit',
          kind: 'save a draft edit',
          run: (p) =>
            p.update({
              collection: 'posts',
              id: post.id,
              draft: true,
              locale: where,
              data: { title: `Unpublished edit ${n}`, _status: 'draft' },
            }),
        }
      } else if (roll < 0.7) {
        const post = popular()
        yield {
          type: 'edit',
          kind: 'add a comment',
          run: async (p) => {
            const comment = await p.create({
              collection: 'comments',
              data: { post: post.id, name: 'visitor', body: `Comment ${n}` },
            })
            site.comments.push(comment.id)
          },
        }
      } else if (roll < 0.8 && site.comments.length) {
        const id = takeRandom(site.comments)
        yield {
          type: 'edit',
          kind: 'delete a comment',
          run: (p) => p.delete({ collection: 'comments', id }),
        }
      } else if (roll < 0.9) {
        const id = random.pick(site.categories)
        yield {
          type: 'edit',
          kind: 'rename a category',
          run: (p) =>
            p.update({
              collection: 'categories',
              id,
              locale: where,
              data: { title: `Category ${n} (${where})` },
            }),
        }
      } else {
        yield {
          type: 'edit',
          kind: 'edit the header',
          run: (p) =>
            p.updateGlobal({
              slug: 'header',
              locale: where,
              data: { siteName: `The Edge Journal ${n}` },
            }),
        }
      }
      continue
    }

    const where = locale()
    const roll = random.next()
    if (roll < 0.25) {
      const page = random.chance(0.7) ? 1 : random.int(2, 3)
      yield {
        type: 'read',
        kind: 'home page (10 posts, depth 1)',
        run: (p) =>
          p.find({
            collection: 'posts',
            locale: where,
            limit: 10,
            page,
            sort: '-publishedAt',
            depth: 1,
            ...visitor,
          }),
      }
    } else if (roll < 0.5) {
      const { slug } = popular()
      const bySlug: Where = { slug: { equals: slug } }
      yield {
        type: 'read',
        kind: 'post page (by slug, join)',
        run: (p) =>
          p.find({
            collection: 'posts',
            locale: where,
            where: bySlug,
            limit: 1,
            depth: 1,
            ...visitor,
          }),
      }
    } else if (roll < 0.6) {
      const { id } = popular()
      yield {
        type: 'read',
        kind: 'post by ID',
        run: (p) => p.findByID({ collection: 'posts', id, locale: where, depth: 1, ...visitor }),
      }
    } else if (roll < 0.68) {
      const category = random.pick(site.categories)
      yield {
        type: 'read',
        kind: 'category page',
        run: (p) =>
          p.find({
            collection: 'posts',
            locale: where,
            where: { categories: { in: [category] } },
            limit: 10,
            sort: '-publishedAt',
            depth: 0,
            ...visitor,
          }),
      }
    } else if (roll < 0.74) {
      const author = random.pick(site.authors)
      yield {
        type: 'read',
        kind: 'author page',
        run: (p) =>
          p.find({
            collection: 'posts',
            locale: where,
            where: { author: { equals: author } },
            limit: 5,
            sort: '-publishedAt',
            depth: 0,
            ...visitor,
          }),
      }
    } else if (roll < 0.9) {
      yield {
        type: 'read',
        kind: 'header global',
        run: (p) => p.findGlobal({ slug: 'header', locale: where, ...visitor }),
      }
    } else if (roll < 0.95) {
      yield {
        type: 'read',
        kind: 'count published posts',
        run: (p) => p.count({ collection: 'posts', ...visitor }),
      }
    } else {
      const post = random.chance(0.5) && site.drafts.length ? random.pick(site.drafts) : popular()
      yield {
        type: 'read',
        kind: 'editor draft preview',
        run: (p) =>
          p.findByID({
            collection: 'posts',
            id: post.id,
            draft: true,
            locale: where,
            depth: 0,
            overrideAccess: true,
          }),
      }
    }
  }
}
