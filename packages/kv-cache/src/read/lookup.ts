import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import { decodeEntry, type StoredEntry } from '../storage/entryFormat.js'
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
  else if (!hit.kv && ctx.store.writable) {
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

/** What KV holds for a read: its answer when the entry is this read's, and the entry it saw. */
export type KVLookup = {
  hit?: { value: unknown; data: string; expiresAt: number; storedAt: number }
  /** The entry KV holds for this query, under whatever tokens (for the fill and `staleIfError`). */
  seen?: StoredEntry
}

/**
 * What KV holds for this read, from `raw` when it was read along with the tokens (`null`: KV had
 * none), else with a get of its own. Only an entry stored under this very identity is a hit, not
 * expired beyond `staleWhileRevalidate`; one that cannot be read (truncated, corrupted, another
 * format) is a miss, never an error.
 */
export const lookupKV = async (
  ctx: CacheContext,
  read: PlannedRead,
  raw: string | null | undefined,
): Promise<KVLookup> => {
  const text =
    raw === undefined && ctx.store.available ? await ctx.store.get(read.plan.storeKey()) : raw
  if (typeof text !== 'string') return {}
  const entry = decodeEntry(text)
  if (!entry) return {}
  if (entry.identity !== read.identity || !(entry.expiresAt + ctx.staleMs > Date.now())) {
    return { seen: entry }
  }
  let value: unknown
  try {
    value = parseResult(entry.data)
  } catch {
    return {}
  }
  return { hit: { ...entry, value }, seen: entry }
}

/** Answers with a KV hit: kept in memory too, counted, and replaced in the background when stale. */
export const useKVHit = (
  ctx: CacheContext,
  read: PlannedRead,
  hit: NonNullable<KVLookup['hit']>,
): Found => {
  const { data, expiresAt, storedAt } = hit
  ctx.memory.set(read.plan.query, read.snapshot, { data, expiresAt, storedAt, kv: true })
  const stale = hit.expiresAt <= Date.now()
  ctx.emit({ type: 'hit', tier: 'kv', ...(stale ? { stale } : {}), ...hitFields(ctx, read) })
  if (stale) revalidate(ctx, read)
  return { value: hit.value }
}
