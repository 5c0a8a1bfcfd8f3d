/**
 * What a failed KV call means, from what workerd throws. Only some failures say KV is unwell:
 * - `rate-limited`: `KV PUT failed: 429 Too Many Requests` — another write reached the same key in
 *   the last second (KV allows one a second per key, across locations; the last accepted write
 *   wins). Contention on one key, not an outage: KV answered.
 * - `quota`: `KV put() limit exceeded for the day.` (also `get()`, `delete()`, `list()`) — the free
 *   plan's daily allowance of that operation is spent until 00:00 UTC (REST code 10048). Asking
 *   again before then only fails again.
 * - `timeout`: the call took longer than `timeoutMs`.
 * - `failure`: anything else (5xx, a lost connection, a binding that is not a KV namespace).
 *
 * Only timeouts and failures count towards the circuit (`circuit.ts`).
 */
export type KVErrorKind = 'failure' | 'quota' | 'rate-limited' | 'timeout'

/** A KV call that took longer than `timeoutMs`. */
export class KVTimeoutError extends Error {
  constructor(ms: number) {
    super(`KV call took longer than ${ms} ms`)
    this.name = 'KVTimeoutError'
  }
}

const RATE_LIMITED = /\b429\b/
const QUOTA = /limit exceeded for the day|free usage limit for this operation|\b10048\b/i

export const kvErrorKind = (error: unknown): KVErrorKind => {
  if (error instanceof KVTimeoutError) return 'timeout'
  const message = error instanceof Error ? error.message : String(error)
  if (QUOTA.test(message)) return 'quota'
  if (RATE_LIMITED.test(message)) return 'rate-limited'
  return 'failure'
}

/** The next 00:00 UTC after `now` (milliseconds since the epoch): when KV's daily allowance resets. */
export const nextUTCMidnight = (now: number): number => {
  const day = 86_400_000
  return Math.floor(now / day) * day + day
}
