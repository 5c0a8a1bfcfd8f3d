import { type PostgresAdapter, postgresAdapter } from '@payloadcms/db-postgres'
import { buildConfig, type Payload, type SanitizedConfig } from 'payload'
import { type KVCacheOptions, withKVCache } from 'payload-kv-cache'
import { appConfig } from 'payload-kv-cache-example-shared'
import { kvCachePlugin } from 'payload-kv-cache-hooks'
import type { CloudflareContext } from './cloudflare.js'

export type ExampleConfigOptions = Pick<CloudflareContext, 'env' | 'waitUntil'> & {
  connectionString: string
  /** Read replicas (see `databaseOf`): on Workers, the Hyperdrive binding with caching on. */
  readReplicas?: string[]
  /** The cache's `hyperdrive` option (see `databaseOf`). Default `false`. */
  hyperdrive?: KVCacheOptions['hyperdrive']
  /** Options of the KV cache, or `false` for a Payload without it. */
  cache?: false | KVCacheOptions
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
}

/** The example's Payload config, given the Cloudflare bindings and PostgreSQL's address. */
export const createConfig = ({
  env,
  waitUntil,
  connectionString,
  readReplicas,
  hyperdrive = false,
  cache = {},
  logLevel = 'info',
}: ExampleConfigOptions): Promise<SanitizedConfig> => {
  const database = postgresAdapter({
    pool: { connectionString },
    ...(readReplicas?.length ? { readReplicas } : {}),
  })
  return buildConfig({
    ...appConfig(),
    secret: env.PAYLOAD_SECRET || process.env.PAYLOAD_SECRET || 'local-development-only',
    // The one line this package is about: Payload's PostgreSQL adapter, with its reads cached in KV.
    db:
      cache === false
        ? database
        : withKVCache(database, env.CACHE, {
            ttl: 300,
            namespace: 'example-postgres',
            waitUntil,
            hyperdrive,
            ...cache,
          }),
    // Invalidation policy and the admin endpoints, as a real app would add them:
    // GET /api/kv-cache/stats and POST /api/kv-cache/purge, for logged-in users of `users`.
    plugins:
      cache === false
        ? []
        : [
            kvCachePlugin({
              // Policy the schema cannot tell: say the header's nav shows category names, so a
              // category change must re-read the header too.
              collections: { categories: () => [{ global: 'header' }] },
              endpoints: true,
            }),
          ],
    logger: { options: { level: logLevel } },
  })
}

type PoolInternals = { _clients: { release: () => void }[]; _idle: { client: unknown }[] }

/**
 * `payload.destroy()`, then the end of the connection pool. Payload's PostgreSQL adapter keeps one
 * pool client checked out for its lifetime (to reconnect after a dropped connection) and its
 * `destroy()` neither releases it nor ends the pool, which keeps a script's process alive. pg has no
 * public way to find that client, hence its pool's internals here.
 */
export const destroyPayload = async (payload: Payload): Promise<void> => {
  await payload.destroy()
  const db = payload.db as unknown as PostgresAdapter & {
    drizzle?: { $replicas?: Array<{ $client?: PostgresAdapter['pool'] }> }
  }
  // The read replicas' pools too: the adapter checks a client out of each, as of the primary's.
  for (const pool of [db.pool, ...(db.drizzle?.$replicas ?? []).map((r) => r.$client)]) {
    if (!pool) continue
    const internals = pool as unknown as PoolInternals
    const idle = new Set(internals._idle.map((item) => item.client))
    for (const client of internals._clients) if (!idle.has(client)) client.release()
    await pool.end()
  }
}
