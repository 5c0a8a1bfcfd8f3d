import type { SanitizedConfig } from 'payload'
import { KVCacheConfigError } from '../errors.js'
import type { CachePolicy } from '../types.js'
import type { ResolvedOptions } from './resolveOptions.js'

/**
 * Payload's own collections and globals. They are written on almost every admin request (locks,
 * preferences, jobs) or hold state that must be read fresh, so they are never cached and writes to
 * them cost no KV operation.
 */
export const internalSlugs: ReadonlySet<string> = new Set([
  'payload-jobs',
  'payload-jobs-stats',
  'payload-kv',
  'payload-locked-documents',
  'payload-mcp-api-keys',
  'payload-migrations',
  'payload-preferences',
  'payload-query-presets',
])

/** TTL in seconds of each cached collection and global; absent means never cached. */
export type EntityPolicies = {
  collections: Map<string, number>
  globals: Map<string, number>
}

const policyTTL = (policy: CachePolicy | undefined, fallback: number): number =>
  typeof policy === 'object' && policy.ttl !== undefined ? policy.ttl : fallback

/**
 * Decides, from the sanitized config, which collections and globals are cached and for how long.
 * Unknown slugs and attempts to cache Payload's internal collections are errors that list the
 * valid slugs.
 */
export const resolvePolicies = (
  options: ResolvedOptions,
  config: Pick<SanitizedConfig, 'collections' | 'globals'>,
): EntityPolicies => {
  const policies: EntityPolicies = { collections: new Map(), globals: new Map() }
  const check = (
    kind: 'collections' | 'globals',
    known: string[],
    given: Record<string, CachePolicy | undefined> | undefined,
  ) => {
    const valid = known.filter((slug) => !internalSlugs.has(slug))
    for (const [slug, policy] of Object.entries(given ?? {})) {
      if (internalSlugs.has(slug) && policy !== false) {
        throw new KVCacheConfigError(
          `${kind}.${slug}: Payload's internal ${kind} are never cached (they change on nearly every admin request or must be read fresh)`,
        )
      }
      if (!known.includes(slug)) {
        throw new KVCacheConfigError(
          `${kind}.${slug}: no such ${kind === 'collections' ? 'collection' : 'global'}. Valid: ${valid.join(', ') || '(none)'}`,
        )
      }
    }
  }
  check(
    'collections',
    config.collections.map((c) => c.slug),
    options.collections,
  )
  check(
    'globals',
    config.globals.map((g) => g.slug),
    options.globals,
  )

  for (const collection of config.collections) {
    if (internalSlugs.has(collection.slug)) continue
    const policy = options.collections?.[collection.slug]
    if (policy === false) continue
    // Auth collections hold hashes, salts and sessions, and logout or revocation must take
    // effect at once: they are cached only when the user says so.
    if (collection.auth && policy === undefined) continue
    policies.collections.set(collection.slug, policyTTL(policy, options.ttl))
  }
  for (const global of config.globals) {
    if (internalSlugs.has(global.slug)) continue
    const policy = options.globals?.[global.slug]
    if (policy === false) continue
    policies.globals.set(global.slug, policyTTL(policy, options.ttl))
  }
  return policies
}
