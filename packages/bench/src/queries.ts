/**
 * The two reads every latency scenario makes, in Node and inside workerd alike: a 10-document page
 * (`find` with where + sort, limit 10) and a by-ID read (`findByID`, which reaches the adapter's
 * `findOne`). Depth 0, so that no population reads are added.
 */

/** Posts with more than 100 views, newest first. */
export const pageWhere = { views: { greater_than: 100 } }
export const pageSort = '-publishedAt'

/** `payload.find` arguments. */
export const pageFind = {
  collection: 'posts',
  where: pageWhere,
  sort: pageSort,
  limit: 10,
  depth: 0,
} as const

/**
 * The request adapter-level reads carry: one of their own, with a `context`, as Payload's
 * operations pass it. (A by-ID `findOne` with none is findByID's, matched to its request by hooks
 * that only run inside a Payload operation; called directly, it reads the database.)
 */
const ownRequest = () => ({ context: {} })

/** `payload.db.find` arguments: what Payload would hand the adapter for `pageFind`, minus access. */
export const adapterPageFind = (req: object = ownRequest()) => ({
  collection: 'posts',
  where: pageWhere,
  sort: pageSort,
  limit: 10,
  page: 1,
  pagination: true,
  locale: 'en',
  req,
})

/** `payload.db.findOne` arguments for a by-ID read. */
export const adapterFindOne = (id: number | string, req: object = ownRequest()) => ({
  collection: 'posts',
  where: { id: { equals: id } },
  locale: 'en',
  req,
})

/** The page as raw SQL on D1, main table only (Payload also reads locales, relations, arrays, count). */
export const rawPageSQL =
  'SELECT * FROM "posts" WHERE "views" > ? ORDER BY "published_at" DESC LIMIT 10'

/** The Zipf workload's k-th distinct query (adapter level). */
export const zipfQuery = (k: number, req: object = ownRequest()) => ({
  collection: 'posts',
  where: { views: { greater_than: k } },
  sort: pageSort,
  limit: 10,
  page: 1,
  pagination: true,
  locale: 'en',
  req,
})
