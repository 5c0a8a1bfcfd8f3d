import { createHash } from 'node:crypto'

/**
 * SHA-256 in hex: the query part of an entry's KV key. `node:crypto` (Node, and workerd with
 * `nodejs_compat`) hashes synchronously in about 2 µs; Web Crypto's digest is asynchronous and,
 * in Node, waits on the thread pool.
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
