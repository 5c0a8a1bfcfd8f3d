/**
 * A stored entry, in KV: `e3\n<expiresAt>\n<storedAt>\n<identity>\n<data>`.
 * - `expiresAt`: milliseconds since the epoch; KV rejects an `expirationTtl` under 60 s, ours may
 *   be shorter, so the expiry travels with the entry;
 * - `storedAt`: when its result was read from the database (the read began), in milliseconds: how
 *   old its data can be, for `staleIfError`, and whether another isolate wrote it a moment ago;
 * - `identity`: the read's full identity, tokens included (`entryIdentity`), compared on read, so a
 *   hash collision or an entry stored under older tokens is never served;
 * - `data`: the result as `serializeResult` wrote it.
 * Bump `ENTRY_VERSION` when the layout changes, or what an entry promises: entries of another
 * version are missed, never misread. `e3`: `storedAt`, and a result read no older than the positions its
 * tokens carry (`storage/tokenValues.ts`); an `e2` entry, filled by a version that did not wait
 * for a lagging replica, is never served, not even during a deployment where both run.
 */
export const ENTRY_VERSION = 'e3'

export type StoredEntry = { expiresAt: number; storedAt: number; identity: string; data: string }

/**
 * A read's full identity: the operation, the slug (quoted), the key material (one encoded object,
 * then an optional quoted partition, see `encodeKey.ts`) and the invalidation snapshot (always
 * starting with `all=`), so no two different reads can spell one identity. It never holds a line
 * break: every string in it is JSON-quoted, and token names and values hold none.
 */
export const entryIdentity = (
  operation: string,
  slug: string,
  material: string,
  snapshot: string,
): string => `${operation}|${JSON.stringify(slug)}|${material}|${snapshot}`

/** The identity without the snapshot: what the entry's KV key is a hash of (one key per query). */
export const queryIdentity = (operation: string, slug: string, material: string): string =>
  `${operation}|${JSON.stringify(slug)}|${material}`

export const encodeEntry = ({ expiresAt, storedAt, identity, data }: StoredEntry): string =>
  `${ENTRY_VERSION}\n${expiresAt}\n${storedAt}\n${identity}\n${data}`

/** The entry in `raw`, or `undefined` when it is not one of this version's. */
export const decodeEntry = (raw: string): StoredEntry | undefined => {
  const a = raw.indexOf('\n')
  const b = raw.indexOf('\n', a + 1)
  const c = raw.indexOf('\n', b + 1)
  const d = raw.indexOf('\n', c + 1)
  if (a < 0 || b < 0 || c < 0 || d < 0 || raw.slice(0, a) !== ENTRY_VERSION) return undefined
  const expiresAt = Number(raw.slice(a + 1, b))
  const storedAt = Number(raw.slice(b + 1, c))
  if (!Number.isFinite(expiresAt) || !Number.isFinite(storedAt)) return undefined
  return { expiresAt, storedAt, identity: raw.slice(c + 1, d), data: raw.slice(d + 1) }
}

/** Whether an entry's identity is of this query (under any tokens): `${query}|${snapshot}`. */
export const isOfQuery = (identity: string, query: string): boolean =>
  identity.length > query.length && identity.startsWith(query) && identity[query.length] === '|'

/** The snapshot part of an identity of `query` (see `isOfQuery`). */
export const snapshotOfIdentity = (identity: string, query: string): string =>
  identity.slice(query.length + 1)
