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
  HYPERDRIVE: Hyperdrive
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

/**
 * PostgreSQL's connection string: Hyperdrive's on Workers, `DATABASE_URL` on Node (the platform
 * proxy does not hand Hyperdrive bindings to Node).
 */
export const connectionStringOf = (cloudflare: CloudflareContext): string => {
  const connectionString = cloudflare.env.HYPERDRIVE?.connectionString ?? process.env.DATABASE_URL
  if (!connectionString) {
    throw new Error(
      'No PostgreSQL: set DATABASE_URL, or run `pnpm start`, which starts a throwaway PostgreSQL first',
    )
  }
  return connectionString
}
