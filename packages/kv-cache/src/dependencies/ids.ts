/**
 * Document ids as the database matches them, so that a write through one spelling of an id
 * invalidates reads through another. The drizzle adapters compare a `number` id through
 * `Number(value)` (`'007'` is row 7, `'7.0'` too), text ids exactly, and PostgreSQL's `uuid` column
 * case-insensitively after checking the value is a UUID at all (otherwise the query matches nothing).
 *
 * `undefined` means the id cannot be placed with certainty: callers then depend on (or invalidate)
 * the whole collection instead of one document.
 */
export type IDType = 'number' | 'text' | 'uuid'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const canonicalID = (type: IDType, id: unknown): string | undefined => {
  if (typeof id !== 'string' && typeof id !== 'number') return undefined
  switch (type) {
    case 'number': {
      const value = typeof id === 'number' ? id : Number(id)
      // NaN matches no row; Infinity is no id either. `String` folds -0 into 0.
      return Number.isFinite(value) ? String(value) : undefined
    }
    case 'uuid':
      return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : undefined
    case 'text':
      return String(id)
  }
}

type FieldLike = { name?: string; type?: string }

/**
 * The id type of a collection: its own `id` field when it has one (Payload's custom ids), else the
 * adapter's. PostgreSQL with `idType: 'uuid'` stores ids in a `uuid` column; every other text id
 * (sqlite and D1 with `idType: 'uuid'` included) is compared as text.
 */
export const collectionIDType = (
  fields: readonly FieldLike[],
  adapter: { name?: string; defaultIDType?: string; idType?: unknown },
): IDType => {
  const custom = fields.find((field) => field.name === 'id')
  if (custom?.type === 'number') return 'number'
  if (custom?.type === 'text') return 'text'
  if (adapter.defaultIDType === 'number') return 'number'
  if (adapter.name === 'postgres' && adapter.idType === 'uuid') return 'uuid'
  return 'text'
}
