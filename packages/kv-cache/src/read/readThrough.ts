import type { CacheContext } from '../context.js'
import type { KVCacheMissError } from '../errors.js'
import { readEventFields } from '../events/readEvent.js'
import { readFresh } from '../freshness/readFresh.js'
import type { StoredEntry } from '../storage/entryFormat.js'
import type { CacheControl } from '../types.js'
import type { DatabaseOutcome } from './databaseRead.js'
import { fill, serialize } from './fill.js'
import { coldMiss, hedgeDelay, safeUnder, within } from './hedge.js'
import { type KVLookup, lookupKV, useKVHit } from './lookup.js'
import type { PlannedRead } from './plannedRead.js'
import { staleIfError } from './staleIfError.js'

/** What the read that leads knows beyond its plan. */
export type Lead = {
  /** The entry when it was read along with the tokens (`null`: KV had none). */
  kvEntry: string | null | undefined
  onCacheOnlyMiss: () => KVCacheMissError
  /** A logged-in user's read, or one a write operation makes (never answered by `staleIfError`). */
  user: boolean
  writing: boolean
  /**
   * A database read that started before the tokens arrived (`hedge.ts`), and the snapshot this
   * isolate knew before it began: its result is stored only if `safeUnder` says so.
   */
  early?: { db: Promise<DatabaseOutcome>; knownBefore: string | undefined }
}

const fields = (ctx: CacheContext, read: PlannedRead) =>
  readEventFields(ctx.options, read.plan.operation, read.plan.slug, read.identity, read.started)

/**
 * The read that leads: identical reads arriving meanwhile wait for its answer (`joinFlight`). It
 * looks in KV (unless `refresh`) and, when KV is slower than a hot read, reads the database beside
 * it (`hedge.ts`); it answers with whichever answers first, stores what the database returned,
 * and, when the database is unavailable, may answer with an older entry (`staleIfError.ts`).
 */
export const readThrough = async (
  ctx: CacheContext,
  read: PlannedRead,
  control: CacheControl | undefined,
  lead: Lead,
): Promise<unknown> => {
  let settle!: (data: string | undefined) => void
  const flight = new Promise<string | undefined>((resolve) => {
    settle = resolve
  })
  ctx.inflight.set(read.identity, flight)
  try {
    return await leadRead(ctx, read, control, lead, settle)
  } finally {
    settle(undefined) // no-op when already settled
    if (ctx.inflight.get(read.identity) === flight) ctx.inflight.delete(read.identity)
  }
}

/**
 * The database read of a fill: no older than the tokens it is stored under, behind a lagging
 * replica too (`freshness/`); a result the layer could not make fresh enough is not `storable`.
 */
const readDatabaseFresh = (ctx: CacheContext, read: PlannedRead): Promise<DatabaseOutcome> => {
  const startedAt = Date.now()
  return readFresh(ctx, read).then(
    ({ result, storable }) =>
      storable
        ? { ok: true as const, result, startedAt }
        : { ok: true as const, result, startedAt, storable: false as const },
    (error: unknown) => ({ ok: false as const, error, startedAt }),
  )
}

const leadRead = async (
  ctx: CacheContext,
  read: PlannedRead,
  control: CacheControl | undefined,
  lead: Lead,
  settle: (data: string | undefined) => void,
): Promise<unknown> => {
  let db = lead.early?.db
  /** Answers with the database's outcome: stored (when it may be), or `staleIfError`. */
  const answer = (outcome: DatabaseOutcome, seen: StoredEntry | undefined): unknown => {
    if (!outcome.ok) {
      const stale = staleIfError(
        ctx,
        {
          plan: read.plan,
          snapshot: read.snapshot,
          control,
          user: lead.user,
          writing: lead.writing,
          started: read.started,
        },
        outcome.error,
        seen,
      )
      if (stale) return stale.value
      throw outcome.error
    }
    const data = serialize(ctx, read, outcome.result)
    settle(data)
    if (data !== undefined && safeFor(outcome)) fill(ctx, read, data, read.started, seen)
    return outcome.result
  }
  const safeFor = (outcome: DatabaseOutcome) =>
    (!outcome.ok || outcome.storable !== false) &&
    (!lead.early ||
      safeUnder(
        read.plan.tokenNames,
        read.snapshot,
        lead.early.knownBefore,
        outcome.startedAt,
        ctx.tokens.own,
      ))

  if (control?.mode === 'refresh')
    return answer(await (db ?? readDatabaseFresh(ctx, read)), undefined)

  const lookup = lookupKV(ctx, read, lead.kvEntry)
  let first: { kv: KVLookup } | { db: DatabaseOutcome }
  if (!db && lead.kvEntry === undefined && control?.mode !== 'cache-only') {
    const early = await within(lookup, hedgeDelay(ctx))
    if (!early) db = readDatabaseFresh(ctx, read)
    first = early ? { kv: early.value } : await race(lookup, db as Promise<DatabaseOutcome>)
  } else {
    first = db ? await race(lookup, db) : { kv: await lookup }
  }

  if ('db' in first && first.db.ok) {
    // The database answered while KV was still looking: its answer goes out now; KV's, when it
    // comes, says whether to write the result there.
    ctx.emit({ type: 'miss', hedged: true, ...fields(ctx, read) })
    coldMiss(ctx)
    const outcome = first.db
    const data = serialize(ctx, read, outcome.result)
    settle(data)
    if (data !== undefined && safeFor(outcome)) {
      fill(
        ctx,
        read,
        data,
        read.started,
        lookup.then(({ seen }) => seen),
      )
    }
    return outcome.result
  }
  // KV answered first, or the database failed first (KV may still have the answer).
  const { hit, seen } = 'kv' in first ? first.kv : await lookup
  if (hit) {
    settle(hit.data)
    return useKVHit(ctx, read, hit).value
  }
  ctx.emit({ type: 'miss', ...fields(ctx, read) })
  if (db) coldMiss(ctx) // KV was slower than the hedge, and had nothing
  if (control?.mode === 'cache-only') throw lead.onCacheOnlyMiss()
  return answer(await (db ?? readDatabaseFresh(ctx, read)), seen)
}

const race = (
  lookup: Promise<KVLookup>,
  db: Promise<DatabaseOutcome>,
): Promise<{ kv: KVLookup } | { db: DatabaseOutcome }> =>
  Promise.race([lookup.then((kv) => ({ kv })), db.then((outcome) => ({ db: outcome }))])
