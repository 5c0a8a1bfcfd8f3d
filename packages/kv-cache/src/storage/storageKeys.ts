import { fingerprint } from './hashes.js'

/**
 * Every KV key the cache writes, built here only (tests and the bench use these too):
 * - an entry: `namespace:keyspace:c|g:slug:operation:sha256(query)`, one key per query, without
 *   the invalidation tokens (the entry carries them, see `entryFormat.ts`);
 * - a token: `namespace:_t:<token name>` (see `tokenNames.ts`).
 * `keyspace` is the schema fingerprint combined with the database identity
 * (`dependencies/databaseIdentity.ts`). Keys stay under KV's 512 bytes: a part that would pass it
 * is replaced by its fingerprint.
 */

const encoder = new TextEncoder()
const MAX_KV_KEY_BYTES = 512
const TOKENS = '_t'

/** Joins key parts with ':'; when the result would pass KV's limit, the long parts are hashed. */
export const kvKey = (...parts: string[]): string => {
  const key = parts.join(':')
  if (key.length * 3 <= MAX_KV_KEY_BYTES || encoder.encode(key).length <= MAX_KV_KEY_BYTES) {
    return key
  }
  return parts.map((part) => (part.length > 48 ? `~${fingerprint(part)}` : part)).join(':')
}

export type EntityKind = 'collection' | 'global'

const kindLetter = (kind: EntityKind): string => (kind === 'global' ? 'g' : 'c')

/** The KV key of a query's entry; `queryHash` is the SHA-256 of its identity without tokens. */
export const entryKey = (
  namespace: string,
  keyspace: string,
  kind: EntityKind,
  slug: string,
  operation: string,
  queryHash: string,
): string => kvKey(namespace, keyspace, kindLetter(kind), slug, operation, queryHash)

/** What an entry's KV key names, or `undefined` for any other key (a token's, another layout's). */
export const parseEntryKey = (
  key: string,
):
  | {
      namespace: string
      keyspace: string
      kind: EntityKind
      slug: string
      operation: string
      queryHash: string
    }
  | undefined => {
  const parts = key.split(':')
  if (parts.length !== 6 || parts[1] === TOKENS || (parts[2] !== 'c' && parts[2] !== 'g')) {
    return undefined
  }
  const [namespace, keyspace, letter, slug, operation, queryHash] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  return {
    namespace,
    keyspace,
    kind: letter === 'g' ? 'global' : 'collection',
    slug,
    operation,
    queryHash,
  }
}

/** The prefix of every entry of one collection or global (for `purge`). */
export const entityPrefix = (
  namespace: string,
  keyspace: string,
  kind: EntityKind,
  slug: string,
): string => `${kvKey(namespace, keyspace, kindLetter(kind), slug)}:`

/** The prefix of every key of a namespace, tokens included. */
export const namespacePrefix = (namespace: string): string => `${namespace}:`

/** The KV key of an invalidation token. */
export const tokenKey = (namespace: string, name: string): string => kvKey(namespace, TOKENS, name)

/** The prefix of every invalidation token of a namespace. */
export const tokenPrefix = (namespace: string): string => `${namespace}:${TOKENS}:`

/** Whether a KV key (of any namespace) is an invalidation token's. */
export const isTokenKey = (key: string): boolean => {
  const end = key.indexOf(':')
  return end >= 0 && key.startsWith(`:${TOKENS}:`, end)
}
