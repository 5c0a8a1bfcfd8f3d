import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import { decodeEntry } from '../storage/entryFormat.js'
import { parseResult } from '../storage/serializeResult.js'
import { putEntry } from './fill.js'
import type { PlannedRead } from './plannedRead.js'
import { revalidate } from './revalidate.js'

/** A lookup that found the answer. */
export type Found = { value: unknown }

const hitFields = (ctx: CacheContext, read: PlannedRead) =>
  readEventFields(ctx.options, read.plan.operation, read.plan.slug, read.identity, read.started)

/**
 * The memory tier: the query's entry under this snapshot (so the current tokens), also one past its
 * TTL within `staleWhileRevalidate`, which is served while one background read replaces it. A
 * memory entry not yet in KV that is asked for again may go there now (see `admission.ts`).
 */
export const lookupMemory = (ctx: CacheContext, read: PlannedRead): Found | undefined => {
  const now = Date.now()
  const hit = ctx.memory.get(read.plan.query, read.snapshot, now, ctx.staleMs)
  if (!hit) return undefined
  const stale = hit.expiresAt <= now
  ctx.emit({ type: 'hit', tier: 'memory', ...(stale ? { stale } : {}), ...hitFields(ctx, read) })
  if (stale) revalidate(ctx, read)
  else if (!hit.kv && ctx.store.available) {
    if (ctx.admission.decide(read.plan.admissionKey, now, read.ttl * 1000) === undefined) {
      hit.kv = true
      putEntry(ctx, read, hit, now)
    }
  }
  return { value: parseResult(hit.data) }
}

/**
 * The answer of an identical read already in flight in this isolate, once it has one; `undefined`
 * at once (no promise) when there is none, so that the caller becomes the read in flight before
 * any other can look.
 */
export const joinFlight = (
  ctx: CacheContext,
  read: PlannedRead,
): Promise<Found | undefined> | undefined => {
  const inflight = ctx.inflight.get(read.identity)
  if (!inflight) return undefined
  return inflight.then(
    (data) => {
      if (data === undefined) return undefined
      ctx.emit({ type: 'hit', tier: 'memory', ...hitFields(ctx, read) })
      return { value: parseResult(data) }
    },
    () => undefined,
  )
}

/**
 * The entry in KV for this read, from `raw` when it was read along with the tokens (`null`: KV had
 * none), else with a get of its own. Only an entry stored under this very identity counts, not
 * expired beyond `staleWhileRevalidate`; one that cannot be read (truncated, corrupted, another
 * format) is a miss, never an error. A hit is kept in memory too.
 */
export const lookupKV = async (
  ctx: CacheContext,
  read: PlannedRead,
  raw: string | null | undefined,
): Promise<{ found: Found; data: string } | undefined> => {
  const text =
    raw === undefined && ctx.store.available ? await ctx.store.get(read.plan.storeKey()) : raw
  if (typeof text !== 'string') return undefined
  const entry = decodeEntry(text)
  if (!entry || entry.identity !== read.identity || !(entry.expiresAt + ctx.staleMs > Date.now())) {
    return undefined
  }
  let value: unknown
  try {
    value = parseResult(entry.data)
  } catch {
    return undefined
  }
  ctx.memory.set(read.plan.query, read.snapshot, {
    data: entry.data,
    expiresAt: entry.expiresAt,
    kv: true,
  })
  const stale = entry.expiresAt <= Date.now()
  ctx.emit({ type: 'hit', tier: 'kv', ...(stale ? { stale } : {}), ...hitFields(ctx, read) })
  if (stale) revalidate(ctx, read)
  return { found: { value }, data: entry.data }
}
