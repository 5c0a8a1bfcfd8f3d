import type { CacheContext } from './context.js'
import { KVCacheConfigError } from './errors.js'
import { entityPrefix, isTokenKey, namespacePrefix } from './storage/storageKeys.js'

/** Our cursor: the KV cursor, the keys of the current page not yet deleted, whether it was the last. */
type PurgeCursor = { c?: string; k: string[]; d: boolean }

const parseCursor = (cursor: string): PurgeCursor => {
  try {
    const state = JSON.parse(cursor) as PurgeCursor
    if (
      Array.isArray(state.k) &&
      state.k.every((key) => typeof key === 'string') &&
      typeof state.d === 'boolean' &&
      (state.c === undefined || typeof state.c === 'string')
    ) {
      return state
    }
  } catch {
    // reported below
  }
  throw new KVCacheConfigError('purge cursor is not one that purge returned')
}

/**
 * Deletes stored entries by prefix, for reclaiming storage: one `list` per 1,000 keys and one
 * `delete` per key, stopping after `maxOperations` KV operations and returning a cursor (opaque to
 * callers) to go on from. Invalidation tokens are never deleted (that would revive old entries),
 * and correctness never depends on this: entries are already unreachable once invalidated.
 */
export const purge = async (
  ctx: CacheContext,
  target: { collection?: string; global?: string },
  cursor: string | undefined,
  maxOperations: number,
): Promise<{ deleted: number; cursor?: string }> => {
  if (!cursor) ctx.memory.clear()
  const { namespace } = ctx.options
  const { keyspace } = ctx.configured
  const prefix =
    target.collection !== undefined
      ? entityPrefix(namespace, keyspace, 'collection', target.collection)
      : target.global !== undefined
        ? entityPrefix(namespace, keyspace, 'global', target.global)
        : namespacePrefix(namespace)
  const state: PurgeCursor = cursor === undefined ? { k: [], d: false } : parseCursor(cursor)
  let operations = 0
  let deleted = 0
  for (;;) {
    if (!state.k.length) {
      if (state.d) return { deleted }
      if (operations >= maxOperations) return { deleted, cursor: JSON.stringify(state) }
      operations++
      const page = await ctx.store.list(prefix, state.c)
      if (!page) return { deleted, cursor: JSON.stringify(state) } // KV failed: resume later
      state.k = page.keys.filter((key) => !isTokenKey(key))
      state.c = page.cursor
      state.d = page.cursor === undefined
      continue
    }
    if (operations >= maxOperations) return { deleted, cursor: JSON.stringify(state) }
    operations++
    if (await ctx.store.delete(state.k[0] as string)) deleted++
    state.k.shift()
  }
}
