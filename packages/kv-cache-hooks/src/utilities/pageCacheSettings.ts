import type { Config, Payload } from 'payload'

/** What a render needs to know of the plugin's `pageCache` option, kept on the config. */
export type PageCacheSettings = { tagPrefix: string }

/**
 * Kept in the config's server-only `custom`, so that the page helpers find it through the Payload
 * instance whichever copy of this package Next.js bundled for the layer they run in.
 */
const KEY = 'payload-kv-cache-hooks.pageCache'

/** `config.custom` with the page-cache settings added. */
export const withPageCacheSettings = (
  config: Config,
  settings: PageCacheSettings,
): Record<string, unknown> => ({ ...config.custom, [KEY]: settings })

/** The page-cache settings of this instance, or `undefined` when `pageCache` is off. */
export const pageCacheSettings = (payload: Payload): PageCacheSettings | undefined =>
  payload.config.custom?.[KEY] as PageCacheSettings | undefined
