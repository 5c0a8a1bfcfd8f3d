/**
 * Whether a failed database read says the database is unavailable — the only failures
 * `staleIfError` answers with an older entry. A query error (bad SQL, a missing column, a
 * constraint) is a bug an old answer would hide: it is thrown as it is. Causes are followed
 * (drizzle wraps the driver's error in `Failed query: …` with the original as `cause`).
 *
 * - D1 (developers.cloudflare.com/d1/observability/debug-d1, "List of D1_ERRORs"): `Network
 *   connection lost.`, `D1 DB is overloaded. …`, `… caused object to be reset.`, `D1 DB reset
 *   because its code was updated.`, `Cannot resolve D1 DB due to transient issue on remote node.`,
 *   `Can't read from request stream because client disconnected.`, `… exceeded its memory limit
 *   and was reset.`, `… exceeded its CPU time limit and was reset.`; the free plan's daily limits
 *   (from 2026-09-01): `Your account has exceeded D1's free tier daily row read limit. …` (and
 *   `row write limit`); the free plan's 50 queries an invocation: `Too many API requests by single
 *   worker invocation.`
 * - PostgreSQL and sockets: connection refused, reset, timed out or terminated (`ECONNREFUSED`,
 *   `ECONNRESET`, `ETIMEDOUT`, `EPIPE`, `ENOTFOUND`, `EAI_AGAIN`, `Connection terminated …`),
 *   SQLSTATE classes 08 (connection exception) and 53 (insufficient resources: too many
 *   connections), 57P01–57P03 (the server shutting down or starting).
 * - sqlite: `SQLITE_BUSY` (the database is locked).
 * - Any error whose message says it timed out.
 */
const UNAVAILABLE = new RegExp(
  [
    'Network connection lost',
    'D1 DB is overloaded',
    'caused object to be reset',
    'D1 DB reset because',
    'transient issue on remote node',
    'client disconnected',
    'exceeded its (memory|CPU time) limit',
    "exceeded D1's free tier daily row (read|write) limit",
    'Too many API requests by single worker invocation',
    'Connection terminated',
    'connection (timeout|refused|reset)',
    'timed? ?out',
    'timeout',
    'SQLITE_BUSY',
    'database is locked',
  ].join('|'),
  'i',
)

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  '57P01',
  '57P02',
  '57P03',
])

const codeSaysUnavailable = (code: unknown): boolean =>
  typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|53)[0-9A-Z]{3}$/.test(code))

export const isDatabaseUnavailable = (error: unknown): boolean => {
  let current = error
  for (let depth = 0; depth < 5 && current; depth++) {
    if (typeof current === 'object') {
      const { message, code, cause } = current as {
        message?: unknown
        code?: unknown
        cause?: unknown
      }
      if (typeof message === 'string' && UNAVAILABLE.test(message)) return true
      if (codeSaysUnavailable(code)) return true
      current = cause
    } else return typeof current === 'string' && UNAVAILABLE.test(current)
  }
  return false
}

/** A short, log-safe description of an error (its first line, without the failed query). */
export const describeError = (error: unknown): string => {
  let current = error
  let message = ''
  for (let depth = 0; depth < 5 && current; depth++) {
    const text = current instanceof Error ? current.message : String(current)
    if (!text.startsWith('Failed query')) {
      message = text
      break
    }
    message ||= text
    current = (current as { cause?: unknown }).cause
  }
  return message.split('\n')[0]?.slice(0, 200) ?? ''
}
