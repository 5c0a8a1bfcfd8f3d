/**
 * A result as stored, and back. A hit answers what `parseResult` makes of the stored text, so a
 * result is stored only when that gives back exactly what the adapter returned, as a Local API
 * caller could tell.
 *
 * Plain JSON covers most results. What JSON alters is common enough to be worth putting back:
 * drizzle returns `pagingCounter: NaN` for an unpaginated `find` (every relationship population),
 * `comments: undefined` for a join the reader may not read, and a number field may hold `Infinity`
 * (a REST body `{"score":1e309}` writes it). Such results are stored as a list of patches, then the
 * JSON: each `undefined`, `NaN`, `Infinity`, `-Infinity` or `-0` by its path, written as `null` in
 * place (so members keep their order) and put back after parsing. The text then starts with `~`,
 * never the first character of JSON, so only these results pay for the patching.
 *
 * Not stored, answered from the database every time:
 * - holes in sparse arrays;
 * - anything that is not a plain object, an array, a string, a number, a boolean, `null` or
 *   `undefined`: a `Date` comes back a string, a `bigint` cannot be written at all, a class
 *   instance comes back a plain object, an object with `toJSON` comes back as what that returns;
 * - one object reached twice: after a round trip they are two objects, and Payload mutates
 *   documents in place, so a change through one would no longer show through the other (a cycle
 *   is the extreme case, and JSON would throw).
 */

/** What a patch puts back; JSON wrote `null` in its place. */
type Special = 'undefined' | 'NaN' | 'Infinity' | '-Infinity' | '-0'
/** A patch: what to put back, then the path to it (member names and array indexes). */
type Patch = [Special, ...(string | number)[]]

const SPECIAL_VALUES: Record<Special, unknown> = {
  undefined: undefined,
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
}

/** First character of stored text with patches. */
const PATCHED = '~'

const special = (value: unknown): Special | undefined => {
  if (value === undefined) return 'undefined'
  if (typeof value !== 'number' || (Number.isFinite(value) && !Object.is(value, -0))) {
    return undefined
  }
  if (Number.isNaN(value)) return 'NaN'
  if (Object.is(value, -0)) return '-0'
  return value > 0 ? 'Infinity' : '-Infinity'
}

/** What `check` found: plain JSON, values a patch must put back, or no exact text at all. */
const JSON_ONLY = 0
const PATCHES = 1
const INEXACT = 2

/**
 * The first pass, on every result stored: whether `value` is plain JSON, needs patches, or cannot
 * come back exactly. No paths are kept (most results need none); `seen` catches an object reached
 * twice.
 */
const check = (value: unknown, seen: Set<object>): number => {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON_ONLY
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? JSON_ONLY : PATCHES
    case 'undefined':
      return PATCHES
    case 'object':
      break
    default:
      return INEXACT // bigint, function, symbol
  }
  if (value === null) return JSON_ONLY
  if (seen.has(value)) return INEXACT
  seen.add(value)
  let found = JSON_ONLY
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return INEXACT
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return INEXACT
      const item = value[i]
      if (item === null || typeof item === 'string' || typeof item === 'boolean') continue
      const inner = check(item, seen)
      if (inner === INEXACT) return INEXACT
      found |= inner
    }
    return found
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return INEXACT
  const record = value as Record<string, unknown>
  if (typeof record.toJSON === 'function') return INEXACT
  const keys = Object.keys(record)
  for (let i = 0; i < keys.length; i++) {
    const member = record[keys[i] as string]
    if (member === null || typeof member === 'string' || typeof member === 'boolean') continue
    const inner = check(member, seen)
    if (inner === INEXACT) return INEXACT
    found |= inner
  }
  return found
}

/** The second pass, for the few results that need it: every patch, with its path. */
const collectPatches = (value: unknown, path: (string | number)[], patches: Patch[]): void => {
  const kind = special(value)
  if (kind) {
    patches.push([kind, ...path])
    return
  }
  if (typeof value !== 'object' || value === null) return
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [i, item])
    : Object.entries(value)
  for (const [key, member] of entries) {
    path.push(key)
    collectPatches(member, path, patches)
    path.pop()
  }
}

/** JSON with every value a patch puts back written as `null`, members kept in place. */
const nullForSpecial = (_key: string, value: unknown): unknown =>
  special(value) === undefined ? value : null

/**
 * The text to store for `result`, or `undefined` when no stored text would give `result` back
 * exactly (see above), or there is no result. Never throws.
 */
export const serializeResult = (result: unknown): string | undefined => {
  // A whole result that JSON alters has no path to patch (and `undefined` is no result).
  if (special(result) !== undefined) return undefined
  try {
    const found = check(result, new Set())
    if (found === INEXACT) return undefined
    if (found === JSON_ONLY) return JSON.stringify(result)
    const patches: Patch[] = []
    collectPatches(result, [], patches)
    return `${PATCHED}${JSON.stringify(patches)}\n${JSON.stringify(result, nullForSpecial)}`
  } catch {
    return undefined // a getter or a proxy that throws
  }
}

/** The result stored as `text` by `serializeResult`, as a new object. Throws on corrupt text. */
export const parseResult = (text: string): unknown => {
  if (text.charCodeAt(0) !== 126 /* ~ */) return JSON.parse(text)
  const newline = text.indexOf('\n')
  const patches = JSON.parse(text.slice(1, newline)) as Patch[]
  const value: unknown = JSON.parse(text.slice(newline + 1))
  for (const [kind, ...path] of patches) {
    if (!Object.hasOwn(SPECIAL_VALUES, kind) || !path.length) throw new Error('bad patch')
    let target = value as Record<string | number, unknown>
    for (let i = 0; i < path.length - 1; i++) {
      target = target[path[i] as string | number] as Record<string | number, unknown>
    }
    target[path.at(-1) as string | number] = SPECIAL_VALUES[kind]
  }
  return value
}
