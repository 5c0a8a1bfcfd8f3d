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
 * page), and when a read depends on a collection whose writes the cache does not track.
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
  const { value, tokens, untracked } = await recordFill(fn)
  if (untracked.length) {
    throw new Error(
      `payload-kv-cache-hooks: this render read ${untracked.join(', ')}, whose writes payload-kv-cache does not track (not cached, and no cached collection or global reaches it), so nothing would revalidate the page; cache it or read it outside the page cache`,
    )
  }
  return { value, tags: pageTags(settings.tagPrefix, tokens) }
}
