import type { Payload } from 'payload'
import { readForPageCache } from '../utilities/readForPageCache.js'
import { tagRender } from './tagRender.js'

/**
 * The Local API reads of a cached page (ISR) or layout, under the page-cache rule: they go to the
 * database, never through a possibly-stale isolate, and the page is tagged with everything they
 * depended on, so that a committed write that changes any of it revalidates the page
 * (`kvCachePlugin({ pageCache: { revalidate: revalidateTags } })`). Make every read the page
 * shows inside it, in the page or layout function itself. Not inside `unstable_cache`, whose tags
 * are fixed before it runs.
 *
 * @example
 * const post = await taggedRead(payload, () =>
 *   payload.find({ collection: 'posts', where: { slug: { equals: slug } }, depth: 1 }),
 * )
 */
export const taggedRead = async <T>(payload: Payload, fn: () => T | Promise<T>): Promise<T> => {
  const { value, tags } = await readForPageCache(payload, fn)
  await tagRender(tags)
  return value
}
