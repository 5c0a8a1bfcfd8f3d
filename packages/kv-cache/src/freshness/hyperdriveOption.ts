import { KVCacheConfigError } from '../errors.js'
import type { KVCacheOptions } from '../types.js'
import {
  HYPERDRIVE_MAX_AGE,
  HYPERDRIVE_STALE_WHILE_REVALIDATE,
  type HyperdriveCache,
} from './hyperdrive.js'

/** Hyperdrive's limit on `max_age`, in seconds (one hour). */
const MAX_AGE_LIMIT = 3_600

const seconds = (value: unknown, name: string, min: number, fallback: number): number => {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > MAX_AGE_LIMIT
  ) {
    throw new KVCacheConfigError(
      `hyperdrive.${name} must be a whole number of seconds from ${min} to ${MAX_AGE_LIMIT} (the cached Hyperdrive configuration's ${name === 'maxAge' ? 'max_age' : 'stale_while_revalidate'}), got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** Validates the `hyperdrive` option; `undefined` when it was not given (detected at start-up). */
export const hyperdriveOption = (
  value: KVCacheOptions['hyperdrive'] | undefined,
): false | HyperdriveCache | undefined => {
  if (value === undefined || value === false) return value
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KVCacheConfigError(
      `hyperdrive must be false or { cached: 'all' | 'replicas', maxAge?, staleWhileRevalidate? }, got ${JSON.stringify(value)}`,
    )
  }
  const { cached, maxAge, staleWhileRevalidate, ...rest } = value as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length) {
    throw new KVCacheConfigError(
      `hyperdrive has unknown option(s) ${unknown.join(', ')}; valid: cached, maxAge, staleWhileRevalidate`,
    )
  }
  if (cached !== 'all' && cached !== 'replicas') {
    throw new KVCacheConfigError(
      `hyperdrive.cached must be 'replicas' (the pool on an uncached configuration, readReplicas on the cached one) or 'all', got ${JSON.stringify(cached)}`,
    )
  }
  const age = seconds(maxAge, 'maxAge', 1, HYPERDRIVE_MAX_AGE)
  const stale = seconds(
    staleWhileRevalidate,
    'staleWhileRevalidate',
    0,
    HYPERDRIVE_STALE_WHILE_REVALIDATE,
  )
  return { cached, windowMs: (age + stale) * 1000 }
}
