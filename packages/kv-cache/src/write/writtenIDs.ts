import { idFromWhere } from '../dependencies/dependencies.js'

const idOf = (value: unknown): number | string | undefined => {
  const id = (value as { id?: unknown } | null | undefined)?.id
  return typeof id === 'string' || typeof id === 'number' ? id : undefined
}

/**
 * The documents a write may have changed, as given and as stored, or `undefined` when not known
 * (then every by-ID read of the collection is stale). The adapters prefer `where` to `id` when
 * both are given, and a result that carries ids names the documents exactly; a failed write may
 * still have changed the document it was pinned to.
 */
export const writtenIDs = (
  args: Record<string, unknown>,
  result: unknown,
): unknown[] | undefined => {
  const ids: unknown[] = args.id === undefined ? [] : [args.id]
  const pinned = args.where === undefined || args.where === null ? args.id : idFromWhere(args.where)
  let known = pinned !== undefined
  if (pinned !== undefined) ids.push(pinned)
  if (result !== undefined && result !== null) {
    const docs = Array.isArray(result) ? result : [result]
    const stored = docs.map(idOf)
    if (stored.every((id) => id !== undefined)) {
      ids.push(...stored)
      known = true
    }
  }
  return known ? ids : undefined
}
