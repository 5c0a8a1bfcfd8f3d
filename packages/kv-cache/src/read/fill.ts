import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import type { MemoryEntry } from '../memoryTier.js'
import { encodeEntry } from '../storage/entryFormat.js'
import { serializeResult } from '../storage/serializeResult.js'
import type { PlannedRead } from './plannedRead.js'

const eventFields = (ctx: CacheContext, read: PlannedRead, started = read.started) =>
  readEventFields(ctx.options, read.plan.operation, read.plan.slug, read.identity, started)

/**
 * The text to store for a result, or `undefined` when there is nothing to store: no result, or one
 * that would not come back exactly (see `storage/serializeResult.ts`), which is answered from the
 * database every time. Made before the caller gets the result: Payload mutates documents in place.
 */
export const serialize = (
  ctx: CacheContext,
  read: PlannedRead,
  result: unknown,
  started = read.started,
): string | undefined => {
  if (result === undefined) return undefined
  const data = serializeResult(result)
  if (data === undefined) {
    ctx.emit({ type: 'skip-round-trip', ...eventFields(ctx, read, started) })
  }
  return data
}

/** Writes an entry to KV in the background, for what is left of its TTL. */
export const putEntry = (
  ctx: CacheContext,
  read: PlannedRead,
  entry: MemoryEntry,
  now: number,
): void => {
  // KV keeps it through the stale window too (KV's own expirationTtl, at least 60 s).
  const ttl = Math.ceil((entry.expiresAt + ctx.staleMs - now) / 1000)
  if (ttl <= 0) return
  const text = encodeEntry({
    expiresAt: entry.expiresAt,
    identity: read.identity,
    data: entry.data,
  })
  ctx.background.run(ctx.store.put(read.plan.storeKey(), text, ttl))
}

/**
 * Stores a result's text: in memory, and in KV unless admission or the day's KV write budget
 * keeps it out. Results over `maxEntryBytes` are not stored at all.
 */
export const fill = (
  ctx: CacheContext,
  read: PlannedRead,
  data: string,
  started = read.started,
): void => {
  const bytes = data.length
  if (bytes > ctx.options.maxEntryBytes) {
    ctx.emit({ type: 'skip-size', bytes, ...eventFields(ctx, read, started) })
    return
  }
  // The expiry travels with the entry: KV rejects expirationTtl under 60 s, ours may be shorter.
  const now = Date.now()
  const entry: MemoryEntry = { data, expiresAt: now + read.ttl * 1000, kv: false }
  ctx.emit({ type: 'store', bytes, ...eventFields(ctx, read, started) })
  if (ctx.store.available) {
    const skip = ctx.admission.decide(read.plan.admissionKey, now, read.ttl * 1000)
    if (skip) {
      ctx.emit({ type: 'kv-skip', reason: skip, ...eventFields(ctx, read, started) })
    } else {
      entry.kv = true
      putEntry(ctx, read, entry, now)
    }
  }
  if (ctx.memory.enabled) ctx.memory.set(read.plan.query, read.snapshot, entry)
}

/** Serializes a result and stores it; returns the text (for reads waiting on this one). */
export const store = (
  ctx: CacheContext,
  read: PlannedRead,
  result: unknown,
  started = read.started,
): string | undefined => {
  const data = serialize(ctx, read, result, started)
  if (data !== undefined) fill(ctx, read, data, started)
  return data
}
