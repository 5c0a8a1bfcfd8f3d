import type { CacheContext } from '../context.js'
import { snapshotValues, tokenTime } from '../storage/tokenValues.js'
import { clock } from '../tokenWriter.js'

/**
 * A miss must not cost more than no cache. A KV read served from this location's cache takes a
 * few milliseconds; one that is not (Cloudflare: p95 ≈ 50 ms, p99 ≈ 250 ms outside North America)
 * takes longer than many database queries, and a miss used to wait for it before asking the
 * database. So a lookup that has not answered within the time a hot read takes is probably cold:
 * the database read starts beside it, and whichever answers first answers the read.
 * - KV first with a hit: the hit answers (the database read already started is not used);
 * - KV first with a miss: the database read, already under way, answers and is stored;
 * - the database first: it answers; the KV lookup's answer, when it comes, decides whether the
 *   result is written to KV (not when KV already holds it, or something newer).
 *
 * The delay is the `hedgeMs` option; by default (`'auto'`) this isolate's hot KV read time (the
 * 10th percentile of its last reads: a young isolate's reads are mostly cold) plus a quarter and
 * 1 ms, between 2 and 12 ms, and 8 ms until it has seen 8. The cap is chosen from the production
 * model (BENCHMARKS.md §5): at 30 ms a miss page's p95 stayed above no cache's, as every miss
 * page's first read waited the cap. Cold reads come together: an isolate's first page, or the first read of a key
 * after its edge-cache window, reads several keys none of which is hot. So for 100 ms after a
 * cold miss (a lookup that took longer than the delay, and did not hit) the delay is 0: the
 * database read starts with the lookup.
 */
const DEFAULT_MS = 8
const MIN_MS = 2
const MAX_MS = 12

/** How long after a cold miss the reads that follow it are taken to be cold too. */
const FOLLOW_MS = 100

export const hedgeDelay = (ctx: CacheContext): number | undefined => {
  const { hedgeMs } = ctx.options
  if (hedgeMs !== 'auto') return hedgeMs === false ? undefined : hedgeMs
  if (clock() - ctx.hedging.coldMissAt < FOLLOW_MS) return 0
  const hot = ctx.store.hotReadMs
  return hot === undefined
    ? DEFAULT_MS
    : Math.min(MAX_MS, Math.max(MIN_MS, Math.ceil(hot * 1.25) + 1))
}

/**
 * A read was a cold miss: its KV lookup took longer than the hedge's delay, and the database
 * answered (first, or after KV found nothing). Lookups in the next `FOLLOW_MS` are probably cold
 * too, and do not wait.
 */
export const coldMiss = (ctx: CacheContext): void => {
  ctx.hedging.coldMissAt = clock()
}

/**
 * What `lookup` settled to, if it did within `delayMs`; `undefined` when the delay ran out.
 * Without a delay (hedging off), whenever it settles.
 */
export const within = async <T>(
  lookup: Promise<T>,
  delayMs: number | undefined,
): Promise<{ value: T } | undefined> => {
  if (delayMs === undefined) return { value: await lookup }
  let timer: ReturnType<typeof setTimeout> | undefined
  const delay = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), delayMs)
  })
  const settled = await Promise.race([lookup.then((value) => ({ value })), delay])
  clearTimeout(timer)
  return settled
}

/**
 * Clocks of two machines may differ this much: a token made by another isolate this close to a
 * database read that began before the token arrived may belong to a write the read missed.
 */
const CLOCK_MARGIN_MS = 1_000

/**
 * Whether a database read that began at `startedAt`, before this read's tokens arrived from KV,
 * may be stored under them. A read's result may be stored under a snapshot only if every write
 * the snapshot reflects had committed when the read began. It had when the snapshot is the one
 * this isolate already knew before the read began, or when every token in it was made (after its
 * write committed) before the read began: well before for another isolate's token (clocks
 * differ), at or before for this isolate's own (`own`: made on this clock, after its commit).
 */
export const safeUnder = (
  names: readonly string[],
  snapshot: string,
  knownBefore: string | undefined,
  startedAt: number,
  own: (name: string, value: string) => boolean,
): boolean => {
  if (snapshot === knownBefore) return true
  const values = snapshotValues(names, snapshot)
  if (!values) return false
  return values.every((value, i) =>
    own(names[i] as string, value)
      ? tokenTime(value) <= startedAt
      : tokenTime(value) < startedAt - CLOCK_MARGIN_MS,
  )
}
