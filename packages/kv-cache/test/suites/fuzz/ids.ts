import type { FuzzSlug } from '../../fixtures/fuzzSchema.js'
import type { Random } from './generator.js'

export type ID = number | string
/** The documents of each collection that exist now, as the run created and deleted them. */
export type Ids = Record<FuzzSlug, ID[]>

/** An id as a caller might spell it: as stored, as a string with leading zeros, in upper case. */
export const spell = (g: Random, id: number | string): number | string => {
  if (typeof id === 'number') return g.pick([id, String(id), `0${id}`, `00${id}`])
  return g.pick([id, id.toUpperCase()])
}

/** A document of `slug` that exists now, if there is one. */
export const existing = (g: Random, ids: Ids, slug: FuzzSlug): number | string | undefined =>
  ids[slug].length ? g.pick(ids[slug]) : undefined
