import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { D1Database, KVNamespace } from '@cloudflare/workers-types'

/** The bindings declared in `wrangler.jsonc`. */
export type CloudflareEnv = {
  D1: D1Database
  CACHE: KVNamespace
  PAYLOAD_SECRET?: string
}

export type CloudflareContext = {
  env: CloudflareEnv
  /** Keeps a promise alive after the response on Workers; `undefined` on Node, where nothing is cut short. */
  waitUntil: ((promise: Promise<unknown>) => void) | undefined
  /** Stops the local workerd behind the bindings (a no-op on Workers). */
  dispose: () => Promise<void>
}

export type LocalBindingsOptions = {
  /**
   * Where local D1 and KV data lives. Default: `.wrangler/state` beside `wrangler.jsonc`, the same
   * place `wrangler dev` uses. `false` keeps everything in memory.
   */
  persist?: false | { path: string }
}

const isWorkers = () =>
  typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers'

const wranglerConfig = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'wrangler.jsonc')

/**
 * The bindings of `wrangler.jsonc`: on Workers the real ones, from the runtime; on Node local
 * ones (D1 and KV in workerd, through wrangler's `getPlatformProxy`), as Payload's Cloudflare
 * template does. With OpenNext, `getCloudflareContext({ async: true })` from
 * `@opennextjs/cloudflare` is the same thing.
 */
export const getCloudflareContext = async (options: LocalBindingsOptions = {}): Promise<CloudflareContext> => {
  if (isWorkers()) {
    const workers = await import('cloudflare:workers')
    return {
      env: workers.env as unknown as CloudflareEnv,
      waitUntil: workers.waitUntil,
      dispose: async () => {},
    }
  }
  // A variable specifier keeps bundlers from pulling wrangler into a Worker build.
  const wrangler: typeof import('wrangler') = await import(/* webpackIgnore: true */ `${'wrangler'}`)
  const proxy = await wrangler.getPlatformProxy<CloudflareEnv>({
    configPath: wranglerConfig,
    environment: process.env.CLOUDFLARE_ENV,
    persist: options.persist ?? true,
    remoteBindings: false,
  })
  return { env: proxy.env, waitUntil: undefined, dispose: () => proxy.dispose() }
}
