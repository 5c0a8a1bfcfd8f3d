import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import type { StoredEntry } from '../storage/entryFormat.js'
import { isOfQuery, snapshotOfIdentity } from '../storage/entryFormat.js'
import { parseResult } from '../storage/serializeResult.js'
import type { CacheControl, CacheTier } from '../types.js'
import { describeError, isDatabaseUnavailable } from './databaseErrors.js'
import type { QueryPlan } from './queryPlan.js'

/**
 * `staleIfError`: when the database cannot answer a read, an older answer to the same query may,
 * for a bounded window, as HTTP's `stale-if-error` lets a cache do (RFC 5861).
 *
 * An entry this isolate has for the query — in memory under any tokens, or the one KV's lookup
 * just returned — answers when all of these hold:
 * - the failure says the database is unavailable (`databaseErrors.ts`), not that the query is bad;
 * - the request allows it: not a logged-in user's read, not a read a write operation makes (its
 *   `req` carries Payload's `transactionID`: a write must never build on an older answer), not
 *   `mode: 'refresh'`, not `staleIfError: false` in its control;
 * - it does not predate a write this isolate made to what the read depends on (its own writes
 *   are never undone for it);
 * - its data was read from the database at most `staleIfError` seconds ago, or it is still under
 *   the tokens this read took and expired at most `staleIfError` seconds ago.
 * Otherwise the database's error is thrown, as without the cache.
 */

/** Who is asking, as far as `staleIfError` cares. */
export type StaleRequest = {
  plan: QueryPlan
  /** The tokens the read took, when KV could say. */
  snapshot: string | undefined
  control: CacheControl | undefined
  /** A logged-in user's read never gets an older answer. */
  user: boolean
  /** Nor a read inside a write operation (its request began one: `req.transactionID` is set). */
  writing: boolean
  started: number
}

type Candidate = {
  tier: CacheTier
  data: string
  storedAt: number
  expiresAt: number
  snapshot: string
}

const candidates = (ctx: CacheContext, plan: QueryPlan, seen: StoredEntry | undefined) => {
  const out: Candidate[] = []
  const memory = ctx.memory.peek(plan.query)
  if (memory) out.push({ tier: 'memory', ...memory })
  if (seen && isOfQuery(seen.identity, plan.query)) {
    out.push({ tier: 'kv', ...seen, snapshot: snapshotOfIdentity(seen.identity, plan.query) })
  }
  // The most recently read first.
  return out.sort((a, b) => b.storedAt - a.storedAt)
}

/** When each cache last said in the log that it answers from older entries. */
const saidAt = new WeakMap<CacheContext, number>()

/**
 * The answer to give instead of the database's error, or `undefined` to throw it. `seen` is what
 * the KV lookup returned for this query, if anything.
 */
export const staleIfError = (
  ctx: CacheContext,
  request: StaleRequest,
  error: unknown,
  seen?: StoredEntry,
): { value: unknown } | undefined => {
  const windowMs = ctx.staleIfErrorMs
  const { plan, control } = request
  if (!windowMs || !isDatabaseUnavailable(error)) return undefined
  const fields = () =>
    readEventFields(ctx.options, plan.operation, plan.slug, plan.query, request.started)
  const refuse = (reason: 'forbidden' | 'none' | 'own-write' | 'too-old') => {
    ctx.emit({
      type: 'stale-if-error',
      served: false,
      reason,
      error: describeError(error),
      ...fields(),
    })
    return undefined
  }
  if (
    request.user ||
    request.writing ||
    control?.mode === 'refresh' ||
    control?.staleIfError === false
  ) {
    return refuse('forbidden')
  }
  const found = candidates(ctx, plan, seen)
  if (!found.length) return refuse('none')
  const now = Date.now()
  const ownWrite = ctx.tokens.lastOwnWrite(plan.tokenNames)
  let reason: 'own-write' | 'too-old' = 'too-old'
  for (const candidate of found) {
    if (candidate.storedAt <= ownWrite) {
      reason = 'own-write'
      continue
    }
    const recent = now - candidate.storedAt <= windowMs
    const current = candidate.snapshot === request.snapshot && now < candidate.expiresAt + windowMs
    if (!recent && !current) continue
    let value: unknown
    try {
      value = parseResult(candidate.data)
    } catch {
      continue
    }
    ctx.emit({
      type: 'stale-if-error',
      served: true,
      tier: candidate.tier,
      ageMs: now - candidate.storedAt,
      error: describeError(error),
      ...fields(),
    })
    if (now - (saidAt.get(ctx) ?? Number.NEGATIVE_INFINITY) >= 60_000) {
      saidAt.set(ctx, now)
      ctx.log(
        'warn',
        `payload-kv-cache: the database failed (${describeError(error)}); answering from entries at most ${windowMs / 1000} s old (staleIfError) while it does`,
      )
    }
    return { value }
  }
  return refuse(reason)
}
