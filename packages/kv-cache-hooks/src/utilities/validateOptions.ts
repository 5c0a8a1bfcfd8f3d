import type { Config } from 'payload'
import { KVCacheConfigError } from 'payload-kv-cache'
import type { KVCachePluginOptions } from '../types.js'

const OPTIONS = ['collections', 'globals', 'enabled', 'endpoints', 'dashboard', 'pageCache']
const STRATEGIES = `'item', 'collection' or a function returning targets`

const fail = (message: string): never => {
  throw new KVCacheConfigError(`kvCachePlugin: ${message}`)
}

const list = (slugs: string[]): string => (slugs.length ? slugs.join(', ') : '(none)')

const checkSlugs = (
  kind: 'collections' | 'globals',
  given: unknown,
  valid: string[],
  isStrategy: (value: unknown) => boolean,
  expected: string,
): void => {
  if (given === undefined) return
  if (!given || typeof given !== 'object' || Array.isArray(given)) {
    fail(`${kind} must be an object of slug → strategy`)
  }
  for (const [slug, strategy] of Object.entries(given as object)) {
    if (!valid.includes(slug)) {
      fail(
        `${kind}.${slug}: unknown ${kind === 'collections' ? 'collection' : 'global'} '${slug}'; ` +
          `valid: ${list(valid)} (list kvCachePlugin after plugins that add ${kind})`,
      )
    }
    if (!isStrategy(strategy)) {
      fail(
        `${kind}.${slug}: unknown strategy ${JSON.stringify(strategy) ?? String(strategy)}; use ${expected}`,
      )
    }
  }
}

/** A path under the admin route, as Payload's router matches it: `/` and then URL-safe segments. */
const VIEW_PATH = /^(\/[A-Za-z0-9._~-]+)+$/

const checkDashboard = ({ dashboard, endpoints }: KVCachePluginOptions): void => {
  if (dashboard === undefined || dashboard === false) return
  if (endpoints === false) {
    fail('dashboard needs the endpoints (it calls them from the browser); drop endpoints: false')
  }
  if (dashboard === true) return
  if (!dashboard || typeof dashboard !== 'object' || Array.isArray(dashboard)) {
    fail('dashboard must be true, false or { path }')
  }
  const extra = Object.keys(dashboard).filter((key) => key !== 'path')
  if (extra.length) fail(`dashboard: unknown option(s) ${extra.join(', ')}; valid: path`)
  const { path } = dashboard
  if (path !== undefined && (typeof path !== 'string' || !VIEW_PATH.test(path))) {
    fail(
      `dashboard.path must be a path under the admin route such as '/kv-cache', got ${JSON.stringify(path) ?? String(path)}`,
    )
  }
}

/** A tag prefix Next.js and OpenNext keep as given: no comma (a page's tags are joined by them). */
const TAG_PREFIX = /^[A-Za-z0-9:._~/-]{1,64}$/

const checkPageCache = ({ pageCache }: KVCachePluginOptions): void => {
  if (pageCache === undefined || pageCache === false) return
  if (!pageCache || typeof pageCache !== 'object' || Array.isArray(pageCache)) {
    fail('pageCache must be false or { revalidate, tagPrefix? }')
  }
  const extra = Object.keys(pageCache).filter((key) => key !== 'revalidate' && key !== 'tagPrefix')
  if (extra.length)
    fail(`pageCache: unknown option(s) ${extra.join(', ')}; valid: revalidate, tagPrefix`)
  if (typeof pageCache.revalidate !== 'function') {
    fail(
      "pageCache.revalidate must be a function (tags) => void, e.g. revalidateTags from 'payload-kv-cache-hooks/next'",
    )
  }
  const { tagPrefix } = pageCache
  if (
    tagPrefix !== undefined &&
    (typeof tagPrefix !== 'string' || !TAG_PREFIX.test(tagPrefix) || tagPrefix.startsWith('_N_T_'))
  ) {
    fail(
      `pageCache.tagPrefix must be 1 to 64 letters, digits or :._~/- and not start with _N_T_ (Next.js's own), got ${JSON.stringify(tagPrefix) ?? String(tagPrefix)}`,
    )
  }
}

/** Checks the options against the config the plugin receives; throws `KVCacheConfigError`. */
export const validateOptions = (options: KVCachePluginOptions, config: Config): void => {
  if (!options || typeof options !== 'object') fail('options must be an object')
  const unknown = Object.keys(options).filter((key) => !OPTIONS.includes(key))
  if (unknown.length) fail(`unknown option(s) ${unknown.join(', ')}; valid: ${OPTIONS.join(', ')}`)
  if (options.enabled !== undefined && typeof options.enabled !== 'boolean') {
    fail('enabled must be true or false')
  }
  checkSlugs(
    'collections',
    options.collections,
    (config.collections ?? []).map((collection) => collection.slug),
    (value) => value === 'item' || value === 'collection' || typeof value === 'function',
    STRATEGIES,
  )
  checkSlugs(
    'globals',
    options.globals,
    (config.globals ?? []).map((global) => global.slug),
    (value) => typeof value === 'function',
    'a function returning targets',
  )
  checkDashboard(options)
  checkPageCache(options)
  const { endpoints } = options
  if (endpoints === undefined || typeof endpoints === 'boolean') return
  if (!endpoints || typeof endpoints !== 'object')
    fail('endpoints must be true, false or { access }')
  const extra = Object.keys(endpoints).filter((key) => key !== 'access')
  if (extra.length) fail(`endpoints: unknown option(s) ${extra.join(', ')}; valid: access`)
  if (endpoints.access !== undefined && typeof endpoints.access !== 'function') {
    fail('endpoints.access must be a function (req) => boolean | Promise<boolean>')
  }
}
