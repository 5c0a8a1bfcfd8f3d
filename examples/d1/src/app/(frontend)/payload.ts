// The public site reads Payload as an anonymous visitor: `overrideAccess: false` applies the
// collections' read access (published posts only), and reads without a user are the ones
// payload-kv-cache serves from its memory tier and KV.
import config from '@payload-config'
import { getPayload } from 'payload'

export const visitor = { overrideAccess: false, locale: 'en' } as const

export const payload = () => getPayload({ config })

type Named = { name?: string | null }
type Titled = { title?: string | null; slug?: string | null }

/** A populated relationship (depth ≥ 1) or just its id. */
export const populated = <T extends object>(value: unknown): T | undefined =>
  value && typeof value === 'object' ? (value as T) : undefined

export const authorName = (author: unknown) => populated<Named>(author)?.name ?? 'Unknown author'

export const categoryTitles = (categories: unknown) =>
  (Array.isArray(categories) ? categories : [])
    .map((category) => populated<Titled>(category)?.title)
    .filter((title): title is string => Boolean(title))

export const formatDate = (value: unknown) =>
  typeof value === 'string' ? new Date(value).toISOString().slice(0, 10) : ''
