import { unstable_cache } from 'next/cache.js'

/** What the carrier below throws, so that nothing is ever stored under it. */
const CARRIER = Symbol('payload-kv-cache-hooks.tagRender')

/**
 * Adds `tags` to what Next.js is rendering and caching: an ISR page (and its layouts), or a
 * `'use cache'` function. Next.js tags a cached page with the tags of every `unstable_cache` call
 * its render makes, and this is the one public way to add tags known only after the reads (an
 * `unstable_cache` call fixes its own tags before it runs). The call's function always throws, so
 * it stores nothing: its cost is one lookup of a key that is never there.
 */
export const tagRender = async (tags: readonly string[]): Promise<void> => {
  if (!tags.length) return
  try {
    await unstable_cache(() => Promise.reject(CARRIER), ['payload-kv-cache-hooks:tags'], {
      tags: [...tags],
      revalidate: false,
    })()
  } catch (error) {
    if (error !== CARRIER) throw error
  }
}
