import { AsyncLocalStorage } from 'node:async_hooks'
import type { CacheControl } from '../types.js'

/**
 * Per-request cache control. It comes from two places: `context.kvCache` on the request, and
 * `withCacheControl(control, fn)`, carried by AsyncLocalStorage through every read `fn` makes
 * (Node, and Workers with the `nodejs_compat` flag), also those Payload makes without the request's
 * context. The request's context wins member by member; the merged control is validated as a
 * whole, so a contradiction split over the two places is as loud as one written in one place.
 */
const controlScope = new AsyncLocalStorage<CacheControl>()

const MODES = new Set(['cache-only', 'default', 'refresh'])

/** Throws a `TypeError` naming the bad member; control values are never silently ignored. */
export const validateControl = (control: unknown, where: string): CacheControl => {
  if (typeof control !== 'object' || control === null || Array.isArray(control)) {
    throw new TypeError(`payload-kv-cache: ${where} must be an object like { bypass: true }`)
  }
  const { bypass, ttl, mode, staleIfError, ...rest } = control as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length) {
    throw new TypeError(
      `payload-kv-cache: ${where} has unknown member(s) ${unknown.join(', ')}; allowed: bypass, ttl, mode, staleIfError`,
    )
  }
  if (bypass !== undefined && typeof bypass !== 'boolean') {
    throw new TypeError(`payload-kv-cache: ${where}.bypass must be a boolean`)
  }
  if (staleIfError !== undefined && typeof staleIfError !== 'boolean') {
    throw new TypeError(`payload-kv-cache: ${where}.staleIfError must be a boolean`)
  }
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0)) {
    throw new TypeError(`payload-kv-cache: ${where}.ttl must be a positive whole number of seconds`)
  }
  if (mode !== undefined && (typeof mode !== 'string' || !MODES.has(mode))) {
    throw new TypeError(
      `payload-kv-cache: ${where}.mode must be 'default', 'cache-only' or 'refresh', got ${JSON.stringify(mode)}`,
    )
  }
  if (bypass === true && (mode === 'cache-only' || mode === 'refresh')) {
    throw new TypeError(
      `payload-kv-cache: ${where} cannot combine bypass: true with mode '${mode}' (bypass reads the database and stores nothing)`,
    )
  }
  return control as CacheControl
}

/**
 * Runs `fn` with cache control applied to every read it makes, including `findByID`, population
 * and reads that carry no `context`.
 *
 * @example
 * const post = await withCacheControl({ bypass: true }, () => payload.findByID({ collection: 'posts', id }))
 */
export const withCacheControl = <T>(control: CacheControl, fn: () => T): T => {
  const outer = controlScope.getStore()
  const own = validateControl(control, 'withCacheControl(control)')
  const merged = outer ? validateControl({ ...outer, ...own }, 'nested withCacheControl') : own
  return controlScope.run(merged, fn)
}

/**
 * The control in force for a read made for `req` (its `context.kvCache`) inside the current
 * `withCacheControl`, merged and validated; `undefined` when neither says anything. Throws a
 * `TypeError` for an invalid or contradictory control.
 */
export const controlOf = (req: unknown): CacheControl | undefined => {
  const fromScope = controlScope.getStore()
  const context = (req as { context?: { kvCache?: unknown } } | undefined)?.context
  if (context?.kvCache === undefined) return fromScope
  const fromContext = validateControl(context.kvCache, 'context.kvCache')
  if (!fromScope) return fromContext
  return validateControl(
    { ...fromScope, ...fromContext },
    'context.kvCache inside withCacheControl(control)',
  )
}
