import type { PayloadRequest } from 'payload'
import { type InvalidationTarget, invalidate } from 'payload-kv-cache'
import { targetProblem } from 'payload-kv-cache/internal'
import { hasKVCache } from './hasKVCache.js'

/**
 * Hands a strategy's targets to the cache with the write's `req`, so that they apply when its
 * transaction commits (hooks run before commit). Never throws: a write must not fail over its
 * cache policy, so every problem is logged instead, and the valid targets still apply (the core
 * says what a valid target is).
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
      const problem = targetProblem(payload.config, target)
      if (problem) payload.logger.error(`payload-kv-cache-hooks: ${source} returned ${problem}`)
      return !problem
    })
    if (valid.length) await invalidate(payload, valid, req)
  } catch (err) {
    payload.logger.error({ err, msg: `payload-kv-cache-hooks: invalidation for ${source} failed` })
  }
}
