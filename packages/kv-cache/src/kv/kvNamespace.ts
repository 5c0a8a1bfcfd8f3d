/**
 * The part of a Workers KV namespace the cache calls, as a structural type of our own.
 *
 * Our declarations must not import `@cloudflare/workers-types`: a user without it installed would
 * get an error, and with `skipLibCheck` the binding type would silently become `any`. This type
 * names only the calls the cache makes (text `get` of one key and of up to 100, `put` with
 * `expirationTtl`, `delete`, `list` by prefix), so `@cloudflare/workers-types`' `KVNamespace`,
 * Miniflare's `getKVNamespace()` result and a plain in-memory object all satisfy it without casts.
 */
export interface KVNamespace {
  get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null>
  /** Bulk get: one KV operation for up to 100 keys. Runtimes without it throw a `TypeError`. */
  get(
    keys: string[],
    options: { type: 'text'; cacheTtl?: number },
  ): Promise<Map<string, string | null>>
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  delete(key: string): Promise<void>
  list(options: { prefix: string; cursor?: string }): Promise<KVNamespaceListPage>
}

/** What `list` answers, reduced to what the cache reads. */
export type KVNamespaceListPage =
  | { list_complete: false; keys: { name: string }[]; cursor: string }
  | { list_complete: true; keys: { name: string }[] }
