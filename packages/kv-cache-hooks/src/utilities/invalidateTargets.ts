import type { PayloadRequest } from 'payload'
import { type InvalidationTarget, invalidate } from 'payload-kv-cache'
import { hasKVCache } from './hasKVCache.js'

/** Why `target` cannot be handed to the cache, or `undefined` when it can. */
const problemWith = (target: unknown, req: PayloadRequest): string | undefined => {
  if (target === 'all') return undefined
  if (target && typeof target === 'object') {
    const { collection, global, id } = target as Record<string, unknown>
    if (typeof collection === 'string' && global === undefined) {
      if (!Object.hasOwn(req.payload.collections, collection)) {
        return `unknown collection '${collection}'`
      }
      if (id === undefined || typeof id === 'string' || typeof id === 'number') return undefined
    }
    if (typeof global === 'string' && collection === undefined && id === undefined) {
      const known = req.payload.config.globals.some((each) => each.slug === global)
      return known ? undefined : `unknown global '${global}'`
    }
  }
  return `not an invalidation target: ${JSON.stringify(target)}`
}

/**
 * Hands a strategy's targets to the cache with the write's `req`, so that they apply when its
 * transaction commits (hooks run before commit). Never throws: a write must not fail over its
 * cache policy, so every problem is logged instead.
 */
export const invalidateTargets = async (
  req: PayloadRequest,
  source: string,
  resolveTargets: () => InvalidationTarget[] | Promise<InvalidationTarget[]>,
): Promise<void> => {
  const { payload } = req
  if (!hasKVCache(payload)) return
  try {
    const targets: unknown = await resolveTargets()
    if (!Array.isArray(targets)) {
      payload.logger.error(`payload-kv-cache-hooks: ${source} must return an array of targets`)
      return
    }
    const valid = targets.filter((target): target is InvalidationTarget => {
      const problem = problemWith(target, req)
      if (problem) payload.logger.error(`payload-kv-cache-hooks: ${source} returned ${problem}`)
      return !problem
    })
    if (valid.length) await invalidate(payload, valid, req)
  } catch (err) {
    payload.logger.error({ err, msg: `payload-kv-cache-hooks: invalidation for ${source} failed` })
  }
}
