import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { D1Database, KVNamespace, R2Bucket } from '@cloudflare/workers-types'
import {
  type CloudflareContextOptions,
  type CloudflareContext as Context,
  getCloudflareContext as getContext,
} from 'payload-kv-cache-example-shared'

/** The bindings declared in `wrangler.jsonc`. */
export type CloudflareEnv = {
  D1: D1Database
  CACHE: KVNamespace
  /** OpenNext's page cache: the incremental cache (R2) and the tag cache (D1). */
  NEXT_INC_CACHE_R2_BUCKET: R2Bucket
  NEXT_TAG_CACHE_D1: D1Database
  PAYLOAD_SECRET?: string
  /**
   * The cache's `invalidationCheckMs` for this worker, when set (`wrangler dev --var
   * KV_CACHE_INVALIDATION_CHECK_MS:3600000`): the browser tests' second process lags on purpose.
   */
  KV_CACHE_INVALIDATION_CHECK_MS?: string
}

export type CloudflareContext = Context<CloudflareEnv>

const configPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'wrangler.jsonc')

/** D1 and KV: the real bindings on Workers, local ones in workerd (wrangler's platform proxy) on Node. */
export const getCloudflareContext = (options: Omit<CloudflareContextOptions, 'configPath'> = {}) =>
  getContext<CloudflareEnv>({ configPath, ...options })
