// With Payload's generated types (payload-types.ts augments `GeneratedTypes`), slugs in the cache's
// options and invalidation targets are checked: a misspelt one is a compile error. Every line under
// a @ts-expect-error must stay a type error: tsc fails on an unused directive.
import type { Payload } from 'payload'
import { type InvalidationTarget, invalidate, type KVCacheOptions } from 'payload-kv-cache'

declare module 'payload' {
  // What `payload generate:types` writes for an app with `posts` and a `header` global, reduced.
  interface GeneratedTypes {
    collections: { posts: { id: number; title: string } }
    globals: { header: { title: string } }
  }
}

export const options: KVCacheOptions = {
  collections: { posts: { ttl: 60 } },
  globals: { header: false },
}

export const misspelt: KVCacheOptions = {
  // @ts-expect-error `post` is no collection of this app
  collections: { post: true },
  // @ts-expect-error `footer` is no global of this app
  globals: { footer: true },
}

export const targets: InvalidationTarget[] = [
  { collection: 'posts', id: 1 },
  { global: 'header' },
  'all',
  // @ts-expect-error `post` is no collection of this app
  { collection: 'post' },
]

export const afterImport = (payload: Payload) =>
  // @ts-expect-error `headr` is no global of this app
  invalidate(payload, [{ global: 'headr' }])
