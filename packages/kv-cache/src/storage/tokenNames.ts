/**
 * Invalidation token names: the grammar of what a write makes stale and what a read depends on.
 * Built and parsed here only; `storageKeys.ts` turns a name into its KV key.
 *
 * - `c:B:list`  any change to collection B, its versions, or the join and path reads over it
 * - `c:B:items` a change to B whose documents are not known (updateMany, deleteMany)
 * - `c:B:id:X`  a change to document X of B (X as the database matches it, see `ids.ts`)
 * - `g:G`       any change to global G or its versions
 * - `all`       everything (`flush()`, migrations)
 *
 * Slugs hold no `:` (Payload's REST routes could not serve one), so a name parses back to its
 * collection or global whatever its document id holds.
 */

export const ALL = 'all'

export const collectionList = (slug: string): string => `c:${slug}:list`

export const collectionItems = (slug: string): string => `c:${slug}:items`

export const documentToken = (slug: string, id: string): string => `c:${slug}:id:${id}`

export const globalToken = (slug: string): string => `g:${slug}`

/** What a token name is about: everything, a collection, or a global. */
export type TokenEntity =
  | { kind: 'all' }
  | { kind: 'collection'; slug: string }
  | { kind: 'global'; slug: string }

export const entityOfToken = (name: string): TokenEntity => {
  if (name.startsWith('g:')) return { kind: 'global', slug: name.slice(2) }
  if (name.startsWith('c:')) {
    const end = name.indexOf(':', 2)
    return { kind: 'collection', slug: name.slice(2, end < 0 ? undefined : end) }
  }
  return { kind: 'all' }
}

/** The collection a token name is about, or `undefined` for a global or `all`. */
export const collectionOfToken = (name: string): string | undefined => {
  const entity = entityOfToken(name)
  return entity.kind === 'collection' ? entity.slug : undefined
}
