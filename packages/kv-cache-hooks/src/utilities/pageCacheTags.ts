import type { Invalidated } from 'payload-kv-cache'
import {
  ALL,
  collectionItems,
  collectionList,
  documentToken,
  entityOfToken,
  globalToken,
} from 'payload-kv-cache/internal'

/**
 * Page-cache tags: the cache's own invalidation tokens (`c:posts:list`, `c:posts:id:7`,
 * `g:header`, `all`; see the core's `storage/tokenNames.ts`) behind a prefix. A render is tagged
 * with the tokens its reads depended on (`pageTags`), a committed write revalidates the tokens it
 * made stale (`revalidationTags`): one grammar on both sides, so they meet exactly where the
 * cache's own entries and writes meet. Built here only; a test pins the strings.
 */

export const DEFAULT_TAG_PREFIX = 'payload:'

/**
 * Most tags `pageTags` gives one render. Next.js keeps 128 per call, and OpenNext's D1 tag cache
 * checks a page's tags in one query, which D1 allows 100 bound parameters (the page's own
 * `_N_T_` path tags among them).
 */
export const MAX_PAGE_TAGS = 64

/** Most documents of one collection a committed write revalidates one by one. */
export const MAX_DOCUMENT_TAGS = 32

/** Tag text: ids may hold anything, and Next.js joins a page's tags with commas. */
const encode = (text: string): string =>
  text.replace(/[^A-Za-z0-9:._~/-]/g, (char) =>
    [...new TextEncoder().encode(char)]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  )

/** The tag of one invalidation token. */
export const tagOfToken = (prefix: string, token: string): string => `${prefix}${encode(token)}`

/**
 * The tags of a render, from the tokens its reads depended on. Past `MAX_PAGE_TAGS`, the
 * documents of the collections read most by id are folded into the collection's `list` token,
 * which every write to the collection replaces: coarser, never missing a write.
 */
export const pageTags = (prefix: string, tokens: readonly string[]): string[] => {
  const kept = new Set(tokens)
  const documents = new Map<string, string[]>()
  for (const token of kept) {
    const entity = entityOfToken(token)
    if (entity.kind !== 'collection' || !token.startsWith(documentToken(entity.slug, ''))) continue
    const ids = documents.get(entity.slug) ?? []
    ids.push(token)
    documents.set(entity.slug, ids)
  }
  const byMost = [...documents].sort((a, b) => b[1].length - a[1].length)
  for (const [slug, ids] of byMost) {
    if (kept.size <= MAX_PAGE_TAGS) break
    for (const token of ids) kept.delete(token)
    kept.add(collectionList(slug))
  }
  if (kept.size > MAX_PAGE_TAGS) {
    throw new Error(
      `payload-kv-cache-hooks: this render depends on ${kept.size} collections and globals, more than the ${MAX_PAGE_TAGS} tags a page cache can check at once; split it into smaller cached parts`,
    )
  }
  return [...kept].map((token) => tagOfToken(prefix, token))
}

/**
 * The tags a committed write made stale. More than `MAX_DOCUMENT_TAGS` documents of one collection
 * become its `items` token, which every render that read one of them by id carries.
 */
export const revalidationTags = (prefix: string, invalidated: Invalidated): string[] => {
  // Every render carries `all`: a flush revalidates every page at once.
  if (invalidated.all) return [tagOfToken(prefix, ALL)]
  const tokens: string[] = []
  for (const [slug, { documents, lists }] of Object.entries(invalidated.collections)) {
    if (lists) tokens.push(collectionList(slug))
    if (documents === 'all' || documents.length > MAX_DOCUMENT_TAGS) {
      tokens.push(collectionItems(slug))
    } else if (documents !== 'none') {
      for (const id of documents) tokens.push(documentToken(slug, id))
    }
  }
  for (const slug of invalidated.globals) tokens.push(globalToken(slug))
  return tokens.map((token) => tagOfToken(prefix, token))
}
