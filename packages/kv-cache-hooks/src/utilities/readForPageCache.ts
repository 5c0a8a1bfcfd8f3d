import type { Payload } from 'payload'
import { hasKVCache } from 'payload-kv-cache'
import { recordFill } from 'payload-kv-cache/internal'
import { pageCacheSettings } from './pageCacheSettings.js'
import { pageTags } from './pageCacheTags.js'

/**
 * Runs `fn`, the Local API reads of a render that fills a page cache, under the page-cache rule:
 * every read goes to the database, never through this isolate's view of the cache (which may lag
 * a write made elsewhere by the cross-isolate bound, and a page cache would keep what it rendered
 * until the next write), and stores nothing. Returns `fn`'s value and the tags of everything its
 * reads depended on, in the same dependency model as the cache's own entries; a committed write
 * that changes any of it revalidates those tags (`kvCachePlugin({ pageCache })`).
 *
 * Throws when this instance has no KV cache or no `pageCache` option (nothing would revalidate the
 * page), when a read depends on a collection whose writes the cache does not track, and when a
 * read could only be made through a layer that may lag behind the primary (`lagging`).
 *
 * @example
 * const { value: post, tags } = await readForPageCache(payload, () =>
 *   payload.find({ collection: 'posts', where: { slug: { equals: slug } }, depth: 1 }),
 * )
 */
export const readForPageCache = async <T>(
  payload: Payload,
  fn: () => T | Promise<T>,
): Promise<{ value: T; tags: string[] }> => {
  const settings = pageCacheSettings(payload)
  if (!settings || !hasKVCache(payload)) {
    throw new Error(
      `payload-kv-cache-hooks: readForPageCache needs ${settings ? 'a KV cache (wrap config.db with withKVCache(...))' : 'kvCachePlugin({ pageCache: { revalidate } })'}; without it nothing would revalidate this page`,
    )
  }
  const { value, tokens, untracked, lagging } = await recordFill(fn)
  if (untracked.length) {
    throw new Error(
      `payload-kv-cache-hooks: this render read ${untracked.join(', ')}, whose writes payload-kv-cache does not track (not cached, and no cached collection or global reaches it), so nothing would revalidate the page; cache it or read it outside the page cache`,
    )
  }
  if (lagging.length) {
    throw new Error(
      `payload-kv-cache-hooks: this render read ${lagging.join(', ')} through a layer that can answer older than the database's primary and that payload-kv-cache cannot send to the primary (a D1 binding that is already a session, or Hyperdrive's cache on the adapter's only connection), so the page could keep an answer from before the write that revalidated it; pass the D1 binding itself with readReplicas: 'first-primary', or give Hyperdrive an uncached binding (README: Deployment topologies)`,
    )
  }
  return { value, tags: pageTags(settings.tagPrefix, tokens) }
}
