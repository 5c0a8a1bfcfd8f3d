/**
 * `payload-kv-cache-hooks/next`: page caches of Next.js (and OpenNext on Cloudflare) tagged from
 * the reads of a render, revalidated from committed writes. Needs `next` 16.
 */
export { revalidateTags } from '../next/revalidateTags.js'
export { taggedRead } from '../next/taggedRead.js'
export { tagRender } from '../next/tagRender.js'
