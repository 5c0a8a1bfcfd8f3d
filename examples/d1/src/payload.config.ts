// Payload's config entry: what Next.js (`@payload-config`), the built worker and the `payload` CLI
// load, in the shape of Payload's Cloudflare template. In the worker the bindings come from the
// Workers runtime through OpenNext; in Node (`next build`, the CLI) from wrangler's local
// platform proxy, with the data wrangler keeps in `.wrangler/state`.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getCloudflareContext } from '@opennextjs/cloudflare'
import type { PayloadLogger } from 'payload'
import { revalidateTags } from 'payload-kv-cache-hooks/next'
import type { CloudflareEnv } from './cloudflare.js'
import { createConfig } from './config.js'

const dirname = path.dirname(fileURLToPath(import.meta.url))
const inWorkerd = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers'

const env = inWorkerd
  ? ((await getCloudflareContext({ async: true })).env as unknown as CloudflareEnv)
  : await localBindings()

const invalidationCheckMs = Number(env.KV_CACHE_INVALIDATION_CHECK_MS) || undefined

export default createConfig({
  env,
  ...(invalidationCheckMs ? { cache: { invalidationCheckMs } } : {}),
  // The cached pages (`src/app/(frontend)/(cached)`) are tagged from their reads; each committed
  // write revalidates the tags it made stale through Next.js's revalidateTag, which OpenNext writes
  // to the tag cache (D1).
  pageCache: { revalidate: revalidateTags },
  // The cache's background KV writes must outlive the response: the current request's
  // `ctx.waitUntil` (OpenNext keeps one context per request), never one captured at start-up.
  waitUntil: (promise) => {
    if (!inWorkerd) return // Node (the CLI, the build): the promise just runs.
    try {
      getCloudflareContext().ctx.waitUntil(promise)
    } catch {
      // Outside a request there is no context to keep alive; the promise still runs.
    }
  },
  admin: {
    importMap: { baseDir: dirname },
    // No request to gravatar.com from the admin.
    avatar: 'default',
    // The cache dashboard's view and nav link come from the plugin (`dashboard: true` in
    // config.ts); `pnpm --filter payload-kv-cache-example-d1 generate:importmap` writes them into
    // src/app/(payload)/admin/importMap.js.
  },
  // pino's pretty printer needs Node streams; in workerd, one JSON line per entry to the console.
  ...(inWorkerd ? { logger: consoleLogger() } : {}),
})

/** Local D1 and KV in workerd, from `wrangler.jsonc` (never remote: no Cloudflare account here). */
async function localBindings(): Promise<CloudflareEnv> {
  // A specifier no bundler can fold to a constant: `${'wrangler'}` would be, and webpack and then
  // OpenNext's esbuild would pull wrangler and miniflare into the worker.
  const wrangler: typeof import('wrangler') = await import(
    /* webpackIgnore: true */ `${'__wrangler'.replaceAll('_', '')}`
  )
  const proxy = await wrangler.getPlatformProxy<CloudflareEnv & Record<string, unknown>>({
    configPath: path.join(dirname, '..', 'wrangler.jsonc'),
    persist: true,
    remoteBindings: false,
  })
  return proxy.env
}

function consoleLogger(): PayloadLogger {
  const line =
    (level: string, write: (line: string) => void) => (objOrMsg: unknown, msg?: string) =>
      write(
        JSON.stringify(
          typeof objOrMsg === 'string'
            ? { level, msg: objOrMsg }
            : { level, ...(objOrMsg as object), ...(msg ? { msg } : {}) },
        ),
      )
  return {
    level: process.env.PAYLOAD_LOG_LEVEL || 'info',
    trace: line('trace', console.debug),
    debug: line('debug', console.debug),
    info: line('info', console.log),
    warn: line('warn', console.warn),
    error: line('error', console.error),
    fatal: line('fatal', console.error),
    silent: () => {},
  } as unknown as PayloadLogger
}
