export type CloudflareContext<Env> = {
  env: Env
  /**
   * Keeps work alive after the response: the runtime's `waitUntil` on Workers. On Node it collects
   * the promises (the cache's background KV writes) so that `dispose` can wait for them.
   */
  waitUntil: (promise: Promise<unknown>) => void
  /** Waits for the work handed to `waitUntil`, then stops the local workerd (a no-op on Workers). Idempotent. */
  dispose: () => Promise<void>
}

export type CloudflareContextOptions = {
  /** The example's `wrangler.jsonc`, whose bindings are made locally. */
  configPath: string
  /**
   * Where local data (D1, KV) lives. Default: `.wrangler/state` beside `wrangler.jsonc`, the same
   * place `wrangler dev` uses. `false` keeps everything in memory (tests).
   */
  persist?: false | { path: string }
}

const isWorkers = () =>
  typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers'

/**
 * The bindings of `wrangler.jsonc`: on Workers the real ones, from the runtime; on Node local
 * ones (D1, KV in workerd), through wrangler's `getPlatformProxy`, as Payload's Cloudflare
 * template does. Under OpenNext, `getCloudflareContext({ async: true })` from
 * `@opennextjs/cloudflare` gives the same bindings.
 */
export const getCloudflareContext = async <Env>({
  configPath,
  persist = { path: '' },
}: CloudflareContextOptions): Promise<CloudflareContext<Env>> => {
  if (isWorkers()) {
    const workers = await import('cloudflare:workers')
    return {
      env: workers.env as unknown as Env,
      waitUntil: workers.waitUntil,
      dispose: async () => {},
    }
  }
  // A computed specifier keeps bundlers from pulling wrangler into a Worker build.
  const wrangler: typeof import('wrangler') = await import(
    /* webpackIgnore: true */ `${'wrangler'}`
  )
  const proxy = await wrangler.getPlatformProxy<Env & Record<string, unknown>>({
    configPath,
    environment: process.env.CLOUDFLARE_ENV,
    persist: persist === false ? false : persist.path ? persist : true,
    // As in Payload's template: `NODE_ENV=production payload migrate` reaches bindings marked
    // `"remote": true` in wrangler.jsonc; everything else stays local.
    remoteBindings: process.env.NODE_ENV === 'production',
  })
  const pending = new Set<Promise<unknown>>()
  let disposed: Promise<void> | undefined
  return {
    env: proxy.env,
    waitUntil: (promise) => {
      const settled: Promise<unknown> = promise
        .catch(() => {})
        .finally(() => pending.delete(settled))
      pending.add(settled)
    },
    dispose: () => {
      disposed ??= (async () => {
        // KV calls after dispose fail ("poisoned stub"), so let background writes land first.
        while (pending.size) await Promise.all(pending)
        await proxy.dispose()
      })()
      return disposed
    },
  }
}
