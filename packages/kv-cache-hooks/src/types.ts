import type {
  CollectionSlug,
  DataFromCollectionSlug,
  DataFromGlobalSlug,
  GlobalSlug,
  PayloadRequest,
} from 'payload'
import type { CacheStats, InvalidationTarget } from 'payload-kv-cache'

export type { InvalidationTarget }

/** What a collection's strategy function receives after a document was created, updated or deleted. */
export type CollectionInvalidationArgs<TSlug extends CollectionSlug = CollectionSlug> = {
  /** The collection's slug. */
  collection: TSlug
  /** The document as saved (`create`, `update`), or as it was before it was deleted (`delete`). */
  doc: DataFromCollectionSlug<TSlug>
  /** The document before an update; `undefined` on create and delete. */
  previousDoc: DataFromCollectionSlug<TSlug> | undefined
  operation: 'create' | 'delete' | 'update'
  /** The request of the write, inside its transaction when there is one. */
  req: PayloadRequest
}

/** What a global's strategy function receives after the global was updated. */
export type GlobalInvalidationArgs<TSlug extends GlobalSlug = GlobalSlug> = {
  /** The global's slug. */
  global: TSlug
  /** The global as saved. */
  doc: DataFromGlobalSlug<TSlug>
  /** The global before the update. */
  previousDoc: DataFromGlobalSlug<TSlug>
  /** The request of the write, inside its transaction when there is one. */
  req: PayloadRequest
}

/**
 * What a change to a collection makes stale, on top of what the cache already invalidates on its
 * own (the written documents, their lists and the collections and globals that depend on them):
 * - `'item'`: the document itself, `{ collection, id }`, with the collection's lists;
 * - `'collection'`: the whole collection, every by-ID read included;
 * - a function returning further targets: other collections, documents, globals, or `'all'`.
 */
export type CollectionInvalidationStrategy<TSlug extends CollectionSlug = CollectionSlug> =
  | 'collection'
  | 'item'
  | ((
      args: CollectionInvalidationArgs<TSlug>,
    ) => InvalidationTarget[] | Promise<InvalidationTarget[]>)

/**
 * What a change to a global makes stale, on top of the global itself (which the cache always
 * invalidates): a function returning collections, documents, globals, or `'all'`.
 */
export type GlobalInvalidationStrategy<TSlug extends GlobalSlug = GlobalSlug> = (
  args: GlobalInvalidationArgs<TSlug>,
) => InvalidationTarget[] | Promise<InvalidationTarget[]>

export type KVCacheEndpointsOptions = {
  /**
   * Who may call the endpoints. Replaces the default, which allows only a logged-in user of the
   * admin user collection (`config.admin.user`). A refused request gets 403.
   */
  access?: (req: PayloadRequest) => boolean | Promise<boolean>
}

export type KVCacheDashboardOptions = {
  /**
   * Where the view lives under the admin route; starts with `/`. Default `'/kv-cache'`, so the
   * page is `/admin/kv-cache`.
   */
  path?: string
}

/**
 * What `GET /api/kv-cache/stats` answers: `getCacheStats(payload)` of the isolate (or Node
 * process) that serves the request, and two fields the plugin adds.
 */
export type KVCacheStatsResponse = CacheStats & {
  /**
   * When these counters started (ISO 8601): when this instance ran `onInit`. A
   * `resetCacheStats(payload)` call since then makes the counters younger than this.
   */
  since: string
  /** The global slugs, to tell them apart from collection slugs among the keys of `reads`. */
  globals: string[]
}

/**
 * Page-cache integration: Next.js / OpenNext page caches (ISR pages) tagged from
 * the Local API reads a render makes, and revalidated when a write that changes them commits.
 */
export type KVCachePageCacheOptions = {
  /**
   * Revalidates the page caches that carry any of these tags. Called once per committed write
   * (after its commit when it is in a transaction, never on rollback; after the cache has replaced
   * its own invalidation tokens), in the write's request, with every tag the write made stale.
   * With Next.js: `revalidateTags` from `payload-kv-cache-hooks/next` (`revalidateTag(tag, {
   * expire: 0 })` for each). It may return a promise; a function that throws or rejects is logged
   * and never fails the write. Required.
   */
  revalidate: (tags: string[]) => void | Promise<void>
  /**
   * What every tag starts with, so that they never meet your own tags or Next.js's (`_N_T_`).
   * Letters, digits and `:._~/-`, at most 64 characters. Default `'payload:'`.
   */
  tagPrefix?: string
}

/** Options of `kvCachePlugin`. */
export type KVCachePluginOptions = {
  /**
   * Invalidation strategy per collection slug: `'item'`, `'collection'`, or a function returning
   * targets. Collections not named keep the cache's own invalidation only. Default `{}`.
   */
  collections?: { [TSlug in CollectionSlug]?: CollectionInvalidationStrategy<TSlug> }
  /** Invalidation strategy per global slug: a function returning targets. Default `{}`. */
  globals?: { [TSlug in GlobalSlug]?: GlobalInvalidationStrategy<TSlug> }
  /** `false` returns the config untouched: no hooks, no endpoints. Default `true`. */
  enabled?: boolean
  /**
   * Adds `GET /api/kv-cache/stats`, `POST /api/kv-cache/flush` and `POST /api/kv-cache/purge`.
   * `true` or an object turns them on; the object can replace who may call them. Default `false`
   * (`true` when `dashboard` is on).
   */
  endpoints?: boolean | KVCacheEndpointsOptions
  /**
   * Adds a cache dashboard to the admin panel (a view at `/admin/kv-cache` and a nav link), for
   * the users `endpoints.access` allows. Turns the endpoints on, which it calls from the browser.
   * Needs `react`, `@payloadcms/ui` and `@payloadcms/next`, and `payload generate:importmap` after
   * turning it on. `true` or `{ path }`. Default `false`.
   */
  dashboard?: boolean | KVCacheDashboardOptions
  /**
   * Revalidates page caches (Next.js / OpenNext ISR pages) from the same
   * dependency model the cache uses: a render tags itself with what its reads depended on
   * (`taggedRead` from `payload-kv-cache-hooks/next`, or `readForPageCache`), and each committed
   * write hands the tags it made stale to `revalidate`. `false` or absent: off. Default `false`.
   */
  pageCache?: false | KVCachePageCacheOptions
}

/** @deprecated Renamed `KVCachePluginOptions`. */
export type KVCacheInvalidationOptions = KVCachePluginOptions
