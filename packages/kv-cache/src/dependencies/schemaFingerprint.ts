import type { SanitizedConfig } from 'payload'
import { encodeKey } from '../storage/encodeKey.js'
import { fingerprint } from '../storage/hashes.js'

/** The members of a field that change what the database stores or returns. */
const STRUCTURAL = [
  'name',
  'type',
  'localized',
  'hasMany',
  'relationTo',
  'collection',
  'on',
  'virtual',
  'dbName',
  'enumName',
  'interfaceName',
  'options',
  'value',
] as const

/** The structural members of a config value: plain data only, functions dropped. */
const project = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(project)
  if (typeof value === 'function' || typeof value === 'symbol') return undefined
  if (!value || typeof value !== 'object') return value
  const field = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of STRUCTURAL) {
    const member = field[key]
    if (member !== undefined && typeof member !== 'function') out[key] = project(member)
  }
  for (const key of ['fields', 'tabs', 'blocks', 'blockReferences'] as const) {
    if (Array.isArray(field[key])) out[key] = project(field[key])
  }
  if (typeof field.slug === 'string') out.slug = field.slug
  return out
}

const versionsOf = (versions: unknown) =>
  versions && typeof versions === 'object'
    ? { drafts: Boolean((versions as { drafts?: unknown }).drafts) }
    : Boolean(versions)

/**
 * A fingerprint of the stored shape of every collection and global. It is part of every entry's
 * key, so a deploy that adds or changes a field never reads entries written under the old schema.
 */
export const schemaFingerprint = (
  config: Pick<SanitizedConfig, 'collections' | 'globals'> & {
    localization?: unknown
    blocks?: unknown[]
  },
): string => {
  const localization = config.localization as { localeCodes?: string[] } | false | undefined
  const shape = {
    collections: config.collections.map((c) => ({
      slug: c.slug,
      fields: project(c.fields),
      versions: versionsOf(c.versions),
      auth: Boolean(c.auth),
      upload: Boolean(c.upload),
    })),
    globals: config.globals.map((g) => ({
      slug: g.slug,
      fields: project(g.fields),
      versions: versionsOf(g.versions),
    })),
    blocks: project(config.blocks ?? []),
    locales: localization ? (localization.localeCodes ?? []) : [],
  }
  // `project` leaves plain data only; JSON for a config nested deeper than keys go.
  return fingerprint(encodeKey(shape) ?? JSON.stringify(shape))
}
