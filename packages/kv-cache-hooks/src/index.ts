import type { CollectionSlug, Config, GlobalSlug } from 'payload'
import { flushEndpoint } from './endpoints/flushEndpoint.js'
import { purgeEndpoint } from './endpoints/purgeEndpoint.js'
import { statsEndpoint } from './endpoints/statsEndpoint.js'
import { collectionAfterChange } from './hooks/collectionAfterChange.js'
import { collectionAfterDelete } from './hooks/collectionAfterDelete.js'
import { globalAfterChange } from './hooks/globalAfterChange.js'
import type {
  CollectionInvalidationStrategy,
  GlobalInvalidationStrategy,
  KVCachePluginOptions,
} from './types.js'
import { addDashboard } from './utilities/addDashboard.js'
import { hasKVCache } from './utilities/hasKVCache.js'
import { withPageCacheSettings } from './utilities/pageCacheSettings.js'
import { DEFAULT_TAG_PREFIX } from './utilities/pageCacheTags.js'
import { revalidatePageCaches } from './utilities/revalidatePageCaches.js'
import { markStarted } from './utilities/statsResponse.js'
import { validateOptions } from './utilities/validateOptions.js'

export type {
  CollectionInvalidationArgs,
  CollectionInvalidationStrategy,
  GlobalInvalidationArgs,
  GlobalInvalidationStrategy,
  InvalidationTarget,
  KVCacheDashboardOptions,
  KVCacheEndpointsOptions,
  KVCacheInvalidationOptions,
  KVCachePageCacheOptions,
  KVCachePluginOptions,
  KVCacheStatsResponse,
} from './types.js'
export { readForPageCache } from './utilities/readForPageCache.js'

/**
 * Decides what a change to a collection or global invalidates in `payload-kv-cache`, on top of
 * what the cache already invalidates on its own, and optionally adds REST endpoints for the
 * cache's statistics, flushing and purging, and an admin dashboard over them. The targets apply when the write's transaction commits.
 * With `pageCache`, it also revalidates page caches (Next.js / OpenNext) from committed writes.
 *
 * @example
 * plugins: [kvCachePlugin({
 *   collections: { posts: 'item', products: 'collection', pages: () => [{ global: 'navigation' }] },
 *   globals: { settings: () => [{ collection: 'pages' }] },
 * })]
 */
export const kvCachePlugin =
  (options: KVCachePluginOptions = {}) =>
  (config: Config): Config => {
    if (options.enabled === false) return config
    validateOptions(options, config)
    // The per-slug types are for callers; here any slug will do (validated above).
    const collections = (options.collections ?? {}) as Record<
      string,
      CollectionInvalidationStrategy
    >
    const globals = (options.globals ?? {}) as Record<string, GlobalInvalidationStrategy>
    const { dashboard } = options
    // The dashboard calls the endpoints, so it turns them on (validated: not endpoints: false).
    const endpoints = options.endpoints || Boolean(dashboard)
    const access = typeof endpoints === 'object' ? endpoints.access : undefined
    const pageCache = options.pageCache
      ? {
          revalidate: options.pageCache.revalidate,
          tagPrefix: options.pageCache.tagPrefix ?? DEFAULT_TAG_PREFIX,
        }
      : undefined

    return {
      ...config,
      ...(dashboard ? { admin: addDashboard(config, dashboard, access) } : {}),
      ...(pageCache
        ? { custom: withPageCacheSettings(config, { tagPrefix: pageCache.tagPrefix }) }
        : {}),
      collections: config.collections?.map((collection) => {
        const strategy = collections[collection.slug]
        if (!strategy) return collection
        const hooks = collection.hooks ?? {}
        return {
          ...collection,
          hooks: {
            ...hooks,
            afterChange: [
              ...(hooks.afterChange ?? []),
              collectionAfterChange(collection.slug as CollectionSlug, strategy),
            ],
            afterDelete: [
              ...(hooks.afterDelete ?? []),
              collectionAfterDelete(collection.slug as CollectionSlug, strategy),
            ],
          },
        }
      }),
      globals: config.globals?.map((global) => {
        const strategy = globals[global.slug]
        if (!strategy) return global
        const hooks = global.hooks ?? {}
        return {
          ...global,
          hooks: {
            ...hooks,
            afterChange: [
              ...(hooks.afterChange ?? []),
              globalAfterChange(global.slug as GlobalSlug, strategy),
            ],
          },
        }
      }),
      endpoints: endpoints
        ? [
            ...(config.endpoints ?? []),
            statsEndpoint(access),
            flushEndpoint(access),
            purgeEndpoint(access),
          ]
        : config.endpoints,
      onInit: async (payload) => {
        markStarted(payload)
        // Before the app's own onInit, whose writes (a seed) must revalidate pages too.
        if (pageCache && hasKVCache(payload)) revalidatePageCaches(payload, pageCache)
        await config.onInit?.(payload)
        hasKVCache(payload) // warns at start-up, not at the first write, when there is no cache
      },
    }
  }

/** @deprecated Renamed `kvCachePlugin`, as Payload's own plugins are named. */
export const kvCacheInvalidation = kvCachePlugin
