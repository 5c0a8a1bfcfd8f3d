import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import type { MemoryEntry } from '../memoryTier.js'
import { encodeEntry, type StoredEntry, snapshotOfIdentity } from '../storage/entryFormat.js'
import { serializeResult } from '../storage/serializeResult.js'
import { snapshotValues, tokenTime } from '../storage/tokenValues.js'
import { overBytes, utf8Bytes } from '../storage/utf8Bytes.js'
import { SPACING_MS } from '../tokenWriter.js'
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

/**
 * Whether the entry KV already holds for this query makes a put pointless: it was stored under
 * newer tokens than this read's (a put would replace a newer answer with an older one), or —
 * when this isolate did not write it — within KV's one-write-a-second window, so another isolate
 * has just written it and a put now would be refused.
 */
const kvHasNewer = (
  read: PlannedRead,
  seen: StoredEntry | undefined,
  now: number,
  ownRecent: boolean,
): boolean => {
  if (!seen) return false
  if (!ownRecent && now - seen.storedAt < SPACING_MS) return true
  const query = read.plan.query
  const theirs = snapshotValues(read.plan.tokenNames, snapshotOfIdentity(seen.identity, query))
  const ours = snapshotValues(read.plan.tokenNames, read.snapshot)
  if (!theirs || !ours) return false
  return theirs.some((value, i) => tokenTime(value) > tokenTime(ours[i]))
}

/**
 * Writes an entry to KV in the background, for what is left of its TTL (and the windows past it),
 * unless the put could only lose: KV is skipped (circuit open, daily quota), another isolate's
 * write to the key won a moment ago (a put KV refused with a 429), or `seen` — what the lookup
 * found in KV — is newer. A key this isolate wrote less than a second ago is written again when
 * KV will take it, with the newest entry by then.
 */
export const putEntry = (
  ctx: CacheContext,
  read: PlannedRead,
  entry: MemoryEntry,
  now: number,
  seen?: StoredEntry,
): void => {
  const key = read.plan.storeKey()
  const recent = ctx.recentWrites.check(key)
  if (recent === 'refused' || kvHasNewer(read, seen, now, recent !== undefined)) {
    ctx.emit({ type: 'kv-skip', reason: 'contention', ...eventFields(ctx, read) })
    return
  }
  const write = () => {
    const at = Date.now()
    // KV keeps it through the stale windows too (KV's own expirationTtl, at least 60 s).
    const ttl = Math.ceil((entry.expiresAt + ctx.keepMs - at) / 1000)
    if (ttl <= 0 || !ctx.store.writable) return
    ctx.recentWrites.note(key)
    const text = encodeEntry({
      expiresAt: entry.expiresAt,
      storedAt: entry.storedAt,
      identity: read.identity,
      data: entry.data,
    })
    ctx.background.run(
      ctx.store.put(key, text, ttl).then((outcome) => {
        if (!outcome.ok && outcome.error === 'rate-limited') {
          ctx.recentWrites.note(key, true)
        }
      }),
    )
  }
  if (recent === undefined) write()
  else {
    const waiting = ctx.recentWrites.later(key, write)
    if (waiting) ctx.background.run(waiting)
  }
}

/** A result's entry, in memory at once (when on); `undefined` when it is too big to store. */
const remember = (
  ctx: CacheContext,
  read: PlannedRead,
  data: string,
  started: number,
): MemoryEntry | undefined => {
  if (overBytes(data, ctx.options.maxEntryBytes)) {
    ctx.emit({ type: 'skip-size', bytes: utf8Bytes(data), ...eventFields(ctx, read, started) })
    return undefined
  }
  // The expiry travels with the entry: KV rejects expirationTtl under 60 s, ours may be shorter.
  const entry: MemoryEntry = {
    data,
    expiresAt: Date.now() + read.ttl * 1000,
    storedAt: started,
    kv: false,
  }
  ctx.emit({ type: 'store', bytes: utf8Bytes(data), ...eventFields(ctx, read, started) })
  if (ctx.memory.enabled) ctx.memory.set(read.plan.query, read.snapshot, entry)
  return entry
}

/**
 * Writes an entry to KV unless KV holds this very answer already (`seen`, what the lookup found
 * for this query), or admission or the day's KV write budget keeps it out.
 */
const writeEntry = (
  ctx: CacheContext,
  read: PlannedRead,
  entry: MemoryEntry,
  started: number,
  seen: StoredEntry | undefined,
): void => {
  const now = Date.now()
  if (seen?.identity === read.identity && seen.expiresAt > now) {
    ctx.memory.markWritten(read.plan.query, read.snapshot) // the database answered first
    return
  }
  if (!ctx.store.writable) return
  const skip = ctx.admission.decide(read.plan.admissionKey, now, read.ttl * 1000)
  if (skip) {
    ctx.emit({ type: 'kv-skip', reason: skip, ...eventFields(ctx, read, started) })
    return
  }
  // In KV from here on: written now, or left to another isolate's newer write.
  ctx.memory.markWritten(read.plan.query, read.snapshot)
  putEntry(ctx, read, entry, now, seen)
}

/**
 * Stores a result's text: in memory, and in KV unless admission or the day's KV write budget
 * keeps it out. Results over `maxEntryBytes` (UTF-8 bytes, as KV counts them) are not stored at
 * all. `seen` is what the lookup found in KV for this query, if anything; when it is still to come
 * (a hedged read the database answered first), the memory tier has the entry at once and the KV
 * write waits for it.
 */
export const fill = (
  ctx: CacheContext,
  read: PlannedRead,
  data: string,
  started = read.started,
  seen?: StoredEntry | Promise<StoredEntry | undefined>,
): void => {
  const entry = remember(ctx, read, data, started)
  if (!entry) return
  if (seen instanceof Promise) {
    ctx.background.run(seen.then((found) => writeEntry(ctx, read, entry, started, found)))
  } else writeEntry(ctx, read, entry, started, seen)
}

/** Serializes a result and stores it; returns the text (for reads waiting on this one). */
export const store = (
  ctx: CacheContext,
  read: PlannedRead,
  result: unknown,
  started = read.started,
  seen?: StoredEntry,
): string | undefined => {
  const data = serialize(ctx, read, result, started)
  if (data !== undefined) fill(ctx, read, data, started, seen)
  return data
}
