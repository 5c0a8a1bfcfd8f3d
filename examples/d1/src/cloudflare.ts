import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { D1Database, KVNamespace } from '@cloudflare/workers-types'
import {
  type CloudflareContextOptions,
  type CloudflareContext as Context,
  getCloudflareContext as getContext,
} from 'payload-kv-cache-example-shared'

/** The bindings declared in `wrangler.jsonc`. */
export type CloudflareEnv = {
  D1: D1Database
  CACHE: KVNamespace
  PAYLOAD_SECRET?: string
}

export type CloudflareContext = Context<CloudflareEnv>

const configPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'wrangler.jsonc')

/** D1 and KV: the real bindings on Workers, local ones in workerd (wrangler's platform proxy) on Node. */
export const getCloudflareContext = (options: Omit<CloudflareContextOptions, 'configPath'> = {}) =>
  getContext<CloudflareEnv>({ configPath, ...options })
