// The public site reads Payload as an anonymous visitor: `overrideAccess: false` applies the
// collections' read access (published posts only), and reads without a user are the ones
// payload-kv-cache serves from its memory tier and KV.
import config from '@payload-config'
import { getPayload, type Payload } from 'payload'
import { taggedRead } from 'payload-kv-cache-hooks/next'

export const visitor = { overrideAccess: false, locale: 'en' } as const

export const payload = () => getPayload({ config })

/**
 * The reads of a cached page (`(cached)/`), through payload-kv-cache-hooks' `taggedRead`: they go
 * to D1, never through an isolate whose view of the cache may lag a write made elsewhere, and the
 * page is tagged with everything they depended on; a committed write that changes any of it
 * revalidates the page (`pageCache` in src/payload.config.ts).
 */
export const cachedRead = async <T>(read: (cms: Payload) => Promise<T>): Promise<T> => {
  const cms = await payload()
  return taggedRead(cms, () => read(cms))
}

type Named = { name?: string | null; slug?: string | null }
type Titled = { title?: string | null; slug?: string | null }

/** A populated relationship (depth ≥ 1) or just its id. */
export const populated = <T extends object>(value: unknown): T | undefined =>
  value && typeof value === 'object' ? (value as T) : undefined

export const authorName = (author: unknown) => populated<Named>(author)?.name ?? 'Unknown author'

export const authorSlug = (author: unknown) => populated<Named>(author)?.slug ?? undefined

export const categoryTitles = (categories: unknown) =>
  (Array.isArray(categories) ? categories : [])
    .map((category) => populated<Titled>(category)?.title)
    .filter((title): title is string => Boolean(title))

export const formatDate = (value: unknown) =>
  typeof value === 'string' ? new Date(value).toISOString().slice(0, 10) : ''
