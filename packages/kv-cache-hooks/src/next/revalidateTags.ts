import { revalidateTag } from 'next/cache.js'

/**
 * Next.js's `revalidateTag` for each tag, expiring at once (`{ expire: 0 }`, what `updateTag`
 * does): the next request for a page carrying one of them renders it again, rather than being
 * served the old page while it renders in the background (`'max'`). The `revalidate` of
 * `kvCachePlugin({ pageCache })`. Needs a Next.js request (a Route Handler such as Payload's REST
 * API, a Server Action); elsewhere Next.js throws, and the plugin logs it.
 */
export const revalidateTags = (tags: readonly string[]): void => {
  for (const tag of tags) revalidateTag(tag, { expire: 0 })
}
