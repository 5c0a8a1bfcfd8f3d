import { createHash } from 'node:crypto'

/**
 * Keys. A read's identity is the canonical JSON of its arguments (without `req`), with object keys
 * sorted so that `{ a, b }` and `{ b, a }` are one key. The memory tier uses that text as is; KV
 * gets a SHA-256 of it under a readable prefix, which keeps every key under KV's 512 bytes, and the
 * full text is stored in the entry and compared on read, so even a hash collision cannot serve
 * another read's result.
 */

/** JSON with sorted object keys; `undefined` members are dropped as JSON does. */
export const stableStringify = (value: unknown): string => {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return `"${value.toString()}n"`
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      return 'null'
    }
    return JSON.stringify(value)
  }
  const withJSON = value as { toJSON?: () => unknown }
  if (typeof withJSON.toJSON === 'function') return stableStringify(withJSON.toJSON())
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const record = value as Record<string, unknown>
  let out = '{'
  for (const key of Object.keys(record).sort()) {
    const member = record[key]
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue
    if (out.length > 1) out += ','
    out += `${JSON.stringify(key)}:${stableStringify(member)}`
  }
  return `${out}}`
}

/**
 * SHA-256 in hex. `node:crypto` (Node, and workerd with `nodejs_compat`) hashes synchronously in
 * about 2 µs; Web Crypto's digest is asynchronous and, in Node, waits on the thread pool.
 */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** FNV-1a, 2 × 32 bits: a fast fingerprint for non-adversarial input (schemas, log lines). */
export const fingerprint = (text: string): string => {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  return (h1 >>> 0).toString(36) + (h2 >>> 0).toString(36)
}

const encoder = new TextEncoder()
const MAX_KV_KEY_BYTES = 512

/** Joins key parts with ':'; when the result would pass KV's limit, the long parts are hashed. */
export const kvKey = (...parts: string[]): string => {
  const key = parts.join(':')
  if (encoder.encode(key).length <= MAX_KV_KEY_BYTES) return key
  return parts.map((part) => (part.length > 48 ? `~${fingerprint(part)}` : part)).join(':')
}
