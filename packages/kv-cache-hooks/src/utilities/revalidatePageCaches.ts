import type { Payload } from 'payload'
import { onCacheEvent } from 'payload-kv-cache'
import type { KVCachePageCacheOptions } from '../types.js'
import { revalidationTags } from './pageCacheTags.js'

/** Shared by every copy of this module in the process (Next.js bundles one per layer). */
const registry = globalThis as { [key: symbol]: WeakMap<Payload, () => void> | undefined }
const SUBSCRIBED = Symbol.for('payload-kv-cache-hooks.pageCacheRevalidation')
const subscribed = registry[SUBSCRIBED] ?? new WeakMap<Payload, () => void>()
registry[SUBSCRIBED] = subscribed

/**
 * Revalidates page caches from the cache's `committed` events: after a write is committed (after
 * its transaction's commit, never on rollback) and the cache has replaced its own tokens, the tags
 * of what it made stale go to `revalidate`, in the write's request. Payload's `afterChange` hooks
 * run before the commit, so a render they triggered could read the old rows; this cannot. Never
 * throws into the write. Subscribes once per instance (a hot reload runs `onInit` again).
 */
export const revalidatePageCaches = (
  payload: Payload,
  { revalidate, tagPrefix }: Required<KVCachePageCacheOptions>,
): void => {
  subscribed.get(payload)?.()
  const failed = (err: unknown, tags: string[]) =>
    payload.logger.error({
      err,
      msg: `payload-kv-cache-hooks: revalidating the page caches tagged ${tags.join(', ')} failed; pages showing them stay as they are until revalidated again`,
    })
  const stop = onCacheEvent(payload, (event) => {
    if (event.type !== 'committed') return
    const tags = revalidationTags(tagPrefix, event.invalidated)
    if (!tags.length) return
    try {
      const done = revalidate(tags)
      if (done && typeof done.then === 'function') done.then(undefined, (err) => failed(err, tags))
    } catch (err) {
      failed(err, tags)
    }
  })
  subscribed.set(payload, stop)
}
