import { sqliteD1Adapter } from '@payloadcms/db-d1-sqlite'
import { buildConfig, type Config, type SanitizedConfig } from 'payload'
import { type KVCacheOptions, withKVCache } from 'payload-kv-cache'
// The schema only (`/config`): the package's index also holds Node-only helpers (a REST server).
import { appConfig } from 'payload-kv-cache-example-shared/config'
import { type KVCachePageCacheOptions, kvCachePlugin } from 'payload-kv-cache-hooks'
import type { CloudflareContext, CloudflareEnv } from './cloudflare.js'

// This example pairs payload 3.90.2 with @payloadcms/db-d1-sqlite 3.87.1, the newest D1 adapter;
// Payload's dependency check would reject the version difference in development.
process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER ??= 'true'

export type ExampleConfigOptions = Pick<CloudflareContext, 'waitUntil'> & {
  /** The bindings Payload uses (the page cache's are OpenNext's). */
  env: Pick<CloudflareEnv, 'D1' | 'CACHE' | 'PAYLOAD_SECRET'>
  /** Options of the KV cache, or `false` for a Payload without it. */
  cache?: false | KVCacheOptions
  /** Push the schema to D1 in development (Payload's default). The demo's second instance turns it off. */
  push?: boolean
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
  /** Merged into the shared `admin` config (the Next.js app adds its import map and avatar). */
  admin?: Config['admin']
  /** Payload's logger; default pino at `logLevel`. */
  logger?: Config['logger']
  /**
   * Page-cache revalidation (`kvCachePlugin`'s `pageCache`): the Next.js app's, which has a page
   * cache to revalidate. Scripts (the seed, the demo, the REST server) leave it out.
   */
  pageCache?: KVCachePageCacheOptions
}

/** The example's Payload config, given the Cloudflare bindings. */
export const createConfig = ({
  env,
  waitUntil,
  cache = {},
  push,
  logLevel = 'info',
  admin,
  logger,
  pageCache,
}: ExampleConfigOptions): Promise<SanitizedConfig> => {
  // D1 read replication (turn it on for the database in the dashboard or with wrangler): one
  // session per isolate, moved to a writer's bookmark by the cache when a miss needs it. Where the
  // binding has no sessions (wrangler's platform proxy, which the seed and the scripts run on),
  // there is nothing to replicate: the plain binding.
  const sessions = typeof (env.D1 as { withSession?: unknown }).withSession === 'function'
  const database = sqliteD1Adapter({
    binding: env.D1,
    ...(sessions ? { readReplicas: 'first-primary' as const } : {}),
    ...(push === false ? { push: false } : {}),
  })
  const app = appConfig()
  return buildConfig({
    ...app,
    admin: { ...app.admin, ...admin },
    secret: env.PAYLOAD_SECRET || process.env.PAYLOAD_SECRET || 'local-development-only',
    // The one line this package is about: Payload's D1 adapter, with its reads cached in KV.
    db:
      cache === false
        ? database
        : withKVCache(database, env.CACHE, {
            ttl: 300,
            namespace: 'example-d1',
            waitUntil,
            ...cache,
          }),
    // Invalidation policy, the admin endpoints (GET /api/kv-cache/stats, POST /api/kv-cache/flush
    // and /purge) and the cache dashboard at /admin/kv-cache, for logged-in users of `users`; in
    // the Next.js app also the page caches, revalidated from committed writes.
    plugins:
      cache === false
        ? []
        : [
            kvCachePlugin({
              // Policy the schema cannot tell: say the header's nav shows category names, so a
              // category change must re-read the header too.
              collections: { categories: () => [{ global: 'header' }] },
              dashboard: true,
              ...(pageCache ? { pageCache } : {}),
            }),
          ],
    logger: logger ?? { options: { level: logLevel } },
  })
}
