/**
 * The stored values of invalidation tokens, and the snapshot a read is keyed by.
 *
 * - A token value is `<time>-<random>`: the time (base 36, milliseconds since the epoch) at which
 *   the write that replaced it had committed, then 16 random characters, so any two values differ
 *   and the newer of two can be told. A token never written reads as `'0'`.
 * - A snapshot is `<name>=<value>;` for every token a read depends on, in the read's order: part of
 *   the read's identity, which is stored in its entry (`entryFormat.ts`).
 */

/** The value of a token that has never been written. */
export const NO_TOKEN = '0'

const randomPart = (): string => {
  const bytes = new Uint8Array(8)
  crypto.getRandomValues(bytes)
  let out = ''
  for (const byte of bytes) out += byte.toString(36).padStart(2, '0')
  return out
}

export const newToken = (now = Date.now()): string => `${now.toString(36)}-${randomPart()}`

/** When a token value was made (0 for `'0'`, `null` or anything not made by `newToken`). */
export const tokenTime = (token: string | null | undefined): number => {
  if (!token) return 0
  const end = token.indexOf('-')
  return end < 0 ? 0 : Number.parseInt(token.slice(0, end), 36) || 0
}

/** One token's part of a snapshot. */
export const snapshotPart = (name: string, value: string): string => `${name}=${value};`

/**
 * The values of a snapshot of these token names (the names it was made from, in order), or
 * `undefined` when it is not one. Names are not parsed out of it: a document id may hold `=` or
 * `;`, values never do.
 */
export const snapshotValues = (
  names: readonly string[],
  snapshot: string,
): string[] | undefined => {
  const values: string[] = []
  let at = 0
  for (const name of names) {
    if (!snapshot.startsWith(name, at) || snapshot[at + name.length] !== '=') return undefined
    const start = at + name.length + 1
    const end = snapshot.indexOf(';', start)
    if (end < 0) return undefined
    values.push(snapshot.slice(start, end))
    at = end + 1
  }
  return at === snapshot.length ? values : undefined
}

/** The newest token time in a list of values: no write they reflect committed after it. */
export const newestTokenTime = (values: readonly string[]): number => {
  let newest = 0
  for (const value of values) newest = Math.max(newest, tokenTime(value))
  return newest
}
