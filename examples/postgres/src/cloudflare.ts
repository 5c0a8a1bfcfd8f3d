import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Hyperdrive, KVNamespace } from '@cloudflare/workers-types'
import {
  type CloudflareContextOptions,
  type CloudflareContext as Context,
  getCloudflareContext as getContext,
} from 'payload-kv-cache-example-shared'

/** The bindings declared in `wrangler.jsonc`. */
export type CloudflareEnv = {
  /** Hyperdrive with query caching on (its default). */
  HYPERDRIVE: Hyperdrive
  /** The same database through a Hyperdrive configuration with caching disabled. */
  HYPERDRIVE_UNCACHED?: Hyperdrive
  CACHE: KVNamespace
  PAYLOAD_SECRET?: string
}

export type CloudflareContext = Context<CloudflareEnv>

const configPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'wrangler.jsonc')

/**
 * KV and Hyperdrive: the real bindings on Workers, local ones (wrangler's platform proxy) on Node,
 * where PostgreSQL is `DATABASE_URL`.
 */
export const getCloudflareContext = (
  options: Omit<CloudflareContextOptions, 'configPath'> = {},
) => {
  // The `local` environment of wrangler.jsonc: KV without Hyperdrive (see there). wrangler warns
  // that it lacks the top level's Hyperdrive binding, on purpose.
  process.env.CLOUDFLARE_ENV ??= 'local'
  process.env.WRANGLER_LOG ??= 'error'
  return getContext<CloudflareEnv>({ configPath, ...options })
}

/** Where PostgreSQL is, as `postgresAdapter` and the cache's `hyperdrive` option take it. */
export type Database = {
  connectionString: string
  readReplicas?: string[]
  /** Hyperdrive's query cache in front of the connections (the cache's `hyperdrive` option). */
  hyperdrive: false | { cached: 'replicas' | 'all' }
}

/**
 * PostgreSQL, as the cache's README recommends:
 * - on Workers, Cloudflare's two Hyperdrive bindings: the uncached one as the pool (writes, and
 *   the cache's misses right after a write), the cached one as a read replica (everything else);
 * - with one Hyperdrive binding, it alone (the cache then assumes its query cache is on, and says
 *   so once at start-up);
 * - on Node, `DATABASE_URL`.
 */
export const databaseOf = (cloudflare: CloudflareContext): Database => {
  const { HYPERDRIVE, HYPERDRIVE_UNCACHED } = cloudflare.env
  if (HYPERDRIVE && HYPERDRIVE_UNCACHED) {
    return {
      connectionString: HYPERDRIVE_UNCACHED.connectionString,
      readReplicas: [HYPERDRIVE.connectionString],
      hyperdrive: { cached: 'replicas' },
    }
  }
  const connectionString = HYPERDRIVE?.connectionString ?? process.env.DATABASE_URL
  if (!connectionString) {
    throw new Error(
      'No PostgreSQL: set DATABASE_URL, or run `pnpm start`, which starts a throwaway PostgreSQL first',
    )
  }
  return { connectionString, hyperdrive: HYPERDRIVE ? { cached: 'all' } : false }
}
