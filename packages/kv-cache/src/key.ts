import { createHash } from 'node:crypto'

/**
 * Hashes for keys. A read's identity is the exact encoding of its arguments (`encodeKey.ts`); the
 * memory tier uses that text as is; KV gets a SHA-256 of it under a readable prefix, which keeps
 * every key under KV's 512 bytes, and the full text is stored in the entry and compared on read,
 * so even a hash collision cannot serve another read's result.
 */

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
