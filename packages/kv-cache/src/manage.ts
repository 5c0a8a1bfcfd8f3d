import type { Payload } from 'payload'
import { KVCacheConfigError } from './errors.js'
import type { CacheStats } from './events/stats.js'
import { cacheOf } from './registry.js'
import type { CacheEvent, InvalidationTarget } from './types.js'
import { targetProblem } from './write/invalidate.js'
import { transactionOf } from './write/transactions.js'

/**
 * The functions an app calls with its Payload instance: statistics, invalidation, flushing,
 * purging, waiting for background writes.
 */

const cacheFor = (payload: Payload) => {
  const cache = cacheOf(payload)
  if (!cache) {
    throw new KVCacheConfigError(
      'this Payload instance has no KV cache: wrap its db adapter with withKVCache(...)',
    )
  }
  return cache
}

/** Whether this Payload instance's database adapter is wrapped by `withKVCache`. */
export const hasKVCache = (payload: Payload): boolean => cacheOf(payload) !== undefined

/** Hits, misses, stores and KV operations by collection, global and operation. */
export const getCacheStats = (payload: Payload): CacheStats => cacheFor(payload).stats()

/**
 * Resolves when this instance's background KV writes (invalidations still being retried, cache
 * fills) have finished. For scripts, tests and graceful shutdown; Workers use `waitUntil`.
 */
export const settled = (payload: Payload): Promise<void> => cacheFor(payload).settled()

/** Sets every statistic back to zero. */
export const resetCacheStats = (payload: Payload): void => cacheFor(payload).resetStats()

/**
 * Makes every cached entry stale, in every isolate, with one KV write. Call it after writing to
 * the database behind Payload's back (raw SQL through `payload.db.drizzle` or `execute`).
 */
export const flush = (payload: Payload): Promise<void> => cacheFor(payload).flush()

/**
 * Makes the given targets stale. Pass the `req` a hook already holds: inside a transaction the
 * targets apply when it commits (Payload's hooks run before commit). Throws a
 * `KVCacheConfigError` naming every target that is not a collection, document or global of this
 * instance, and then invalidates nothing.
 */
export const invalidate = async (
  payload: Payload,
  targets: readonly InvalidationTarget[],
  req?: { transactionID?: unknown },
): Promise<void> => {
  const cache = cacheFor(payload)
  if (!Array.isArray(targets)) {
    throw new KVCacheConfigError('invalidate takes an array of targets')
  }
  const problems = targets.map((target) => targetProblem(cache.config, target)).filter(Boolean)
  if (problems.length) throw new KVCacheConfigError(`invalidate: ${problems.join('; ')}`)
  await cache.invalidate(targets, await transactionOf(req))
}

/**
 * Deletes stored entries of a collection, a global, or (neither given) the whole namespace, to
 * reclaim KV storage. Stays under `maxOperations` KV operations (default 500, half a Worker
 * invocation's limit) and returns a `cursor` when there is more: pass it back to go on, e.g. from
 * `ctx.waitUntil` or a cron trigger. Never needed for correctness.
 */
export const purge = (
  payload: Payload,
  target: { collection?: string; global?: string } = {},
  options: { cursor?: string; maxOperations?: number } = {},
): Promise<{ deleted: number; cursor?: string }> => {
  const cache = cacheFor(payload)
  if (target.collection !== undefined && target.global !== undefined) {
    throw new KVCacheConfigError('purge takes a collection or a global, not both')
  }
  const max = options.maxOperations ?? 500
  if (!Number.isInteger(max) || max < 2) {
    throw new KVCacheConfigError('purge maxOperations must be a whole number of at least 2')
  }
  return cache.purge(target, options.cursor, max)
}

/**
 * Calls `listener` with every cache event of this instance, as the `onEvent` option does, beside
 * it (for plugins: the hooks plugin revalidates page caches from `committed` events). Returns the
 * function that stops it. A listener that throws is ignored.
 */
export const onCacheEvent = (
  payload: Payload,
  listener: (event: CacheEvent) => void,
): (() => void) => cacheFor(payload).subscribe(listener)
