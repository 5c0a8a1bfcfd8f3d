/**
 * The exact encoding of a read's arguments: the text two reads share a cache entry by. It must be
 * injective over everything the adapter can tell apart, so it is not JSON, which is lossy exactly
 * where callers are careless (`NaN` and `Infinity` become `null`, an `undefined` member vanishes,
 * an `undefined` array element becomes `null`, a `Date` becomes the string it prints as).
 *
 * - `null`, booleans and finite numbers are written as JSON writes them, strings JSON-quoted (a
 *   lone surrogate is escaped, so every string has one encoding).
 * - Values JSON cannot write get words of their own, outside JSON's grammar, so that they can never
 *   meet a JSON value: `undefined`, `NaN`, `Infinity`, `-Infinity`, `-0`, `12n` (a bigint),
 *   `Date(<ms>)` and `Date(NaN)`, and `~` for a hole in a sparse array.
 * - Plain objects (prototype `Object.prototype` or `null`) are written with their own enumerable
 *   string keys sorted, `undefined` members included: `{ a: undefined }` is not `{}` to a `where`.
 *   Arrays are written in order, holes included.
 * - Anything else cannot be placed with certainty: `Map`, `Set`, class instances, `RegExp`,
 *   buffers, functions, symbols, a `Date` with extra members, cycles, nesting deeper than
 *   `MAX_DEPTH`. `encodeKey` then returns `undefined` and the read is not cached: an uncached read
 *   costs a database read, a shared key costs a wrong answer.
 *
 * Splitting is always safe (two spellings the adapter treats alike get two entries and cost one
 * more miss); merging never is. So the encoding errs towards splitting: `-0` and `0`, a `Date` and
 * its ISO string, `{ a: undefined }` and `{}` are all different keys.
 */

/** Deeper than any `where` Payload builds; deeper input is not cached (and cycles end here). */
const MAX_DEPTH = 64

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const encodeNumber = (value: number): string => {
  if (Number.isFinite(value)) return Object.is(value, -0) ? '-0' : String(value)
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
}

/**
 * Member names quoted as JSON quotes them, remembered: arguments use a small vocabulary
 * (`collection`, `where`, `equals`, field names), so most are quoted once per isolate.
 */
const quotedKeys = new Map<string, string>()
const MAX_QUOTED_KEYS = 10_000

const quoteKey = (key: string): string => {
  let quoted = quotedKeys.get(key)
  if (quoted === undefined) {
    quoted = JSON.stringify(key)
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted)
  }
  return quoted
}

/** The encoding of `value`, or `undefined` when it has none. */
const encode = (value: unknown, depth: number): string | undefined => {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return encodeNumber(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
      return 'undefined'
    case 'bigint':
      return `${value}n`
    case 'object':
      break
    default:
      return undefined // function, symbol
  }
  if (value === null) return 'null'
  if (depth >= MAX_DEPTH) return undefined
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return undefined
    let out = '['
    for (let i = 0; i < value.length; i++) {
      const item = i in value ? encode(value[i], depth + 1) : '~'
      if (item === undefined) return undefined
      out += i === 0 ? item : `,${item}`
    }
    return `${out}]`
  }
  if (value instanceof Date) {
    if (Object.getPrototypeOf(value) !== Date.prototype || Object.keys(value).length) {
      return undefined
    }
    return `Date(${encodeNumber(value.getTime())})`
  }
  if (!isPlainObject(value)) return undefined
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const member = encode(record[key], depth + 1)
    if (member === undefined) return undefined
    out += `${i === 0 ? '' : ','}${quoteKey(key)}:${member}`
  }
  return `${out}}`
}

/**
 * The exact key text of `value`, or `undefined` when it holds something that cannot be encoded
 * with certainty (see above): then the read must not be cached. Never throws (a getter or a proxy
 * that throws makes the value one that cannot be encoded).
 */
export const encodeKey = (value: unknown): string | undefined => {
  try {
    return encode(value, 0)
  } catch {
    return undefined
  }
}
