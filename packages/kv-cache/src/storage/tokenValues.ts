/**
 * Invalidation token values: what a token's KV key holds, and how a read's snapshot of its tokens
 * is spelled. Built and parsed here only (`tokenNames.ts` names the tokens).
 *
 * A value is `<time>-<random>` or `<time>-<random>~<position>`:
 * - `time`: when the writer replaced the token, after its write committed (base 36 milliseconds);
 * - `random`: 16 base 36 digits, so no two writes ever make one value;
 * - `position`, optional: how far the database had got when the write was done, for layers that
 *   lag behind the primary (see `freshness/`): `d` and a D1 session bookmark, or `p` and a
 *   PostgreSQL WAL position (`16/B374D848`). A reader that misses under this value makes its
 *   database read at least as fresh as the position before it stores what it read.
 *
 * A token never written reads as `0`. A snapshot is `name=value;` for each token a read depends
 * on, in the read's order. Token values hold no `;`, `=` or line break (positions are checked).
 */

/** The value of a token that was never written (or expired): no write to wait for. */
export const UNWRITTEN = '0'

const randomPart = (): string => {
  const bytes = new Uint8Array(8)
  crypto.getRandomValues(bytes)
  let out = ''
  for (const byte of bytes) out += byte.toString(36).padStart(2, '0')
  return out
}

const POSITION = /^[dp][0-9A-Za-z/._:-]{1,160}$/

/** A new token value, carrying `position` when it is one (anything else is left out). */
export const newTokenValue = (now = Date.now(), position?: string): string => {
  const value = `${now.toString(36)}-${randomPart()}`
  return position !== undefined && POSITION.test(position) ? `${value}~${position}` : value
}

/** When a value was written (milliseconds since the epoch); 0 for `0`, `null` or another shape. */
export const tokenTime = (value: string | null | undefined): number =>
  value ? Number.parseInt(value.slice(0, value.indexOf('-')), 36) || 0 : 0

/** The position a value carries (`d…` or `p…`), if any. */
export const positionOf = (value: string): string | undefined => {
  const at = value.indexOf('~')
  return at < 0 ? undefined : value.slice(at + 1)
}

/** A D1 session bookmark as a position; `undefined` for anything that is not one. */
export const d1Position = (bookmark: string | null | undefined): string | undefined =>
  bookmark && POSITION.test(`d${bookmark}`) ? `d${bookmark}` : undefined

/** A PostgreSQL WAL position (`pg_lsn` as text, `X/Y` in hex) as a position. */
export const postgresPosition = (lsn: string | null | undefined): string | undefined =>
  lsn && /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(lsn) ? `p${lsn}` : undefined

/** What a position says: a D1 bookmark or a PostgreSQL WAL position, without its letter. */
export const parsePosition = (
  position: string,
): { kind: 'd1'; bookmark: string } | { kind: 'postgres'; lsn: string } | undefined => {
  if (!POSITION.test(position)) return undefined
  const text = position.slice(1)
  if (position[0] === 'd') return { kind: 'd1', bookmark: text }
  return /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text)
    ? { kind: 'postgres', lsn: text }
    : undefined
}

/** One token in a snapshot. */
export const snapshotPart = (name: string, value: string): string => `${name}=${value};`

/**
 * The values of `names` in `snapshot`, which was made of exactly these names in this order; or
 * `undefined` when it was not. Read by position, so a document id holding `=` or `;` (text ids)
 * cannot pass for a value.
 */
export const snapshotValues = (
  names: readonly string[],
  snapshot: string,
): string[] | undefined => {
  const values: string[] = []
  let at = 0
  for (const name of names) {
    if (!snapshot.startsWith(name, at) || snapshot[at + name.length] !== '=') return undefined
    at += name.length + 1
    const end = snapshot.indexOf(';', at)
    if (end < 0) return undefined
    values.push(snapshot.slice(at, end))
    at = end + 1
  }
  return at === snapshot.length ? values : undefined
}
