import type { ReadMethodName, ReadTarget } from '../adapter/adapterMethods.js'
import type { CacheContext, Configured } from '../context.js'
import { stateMaxBytes } from '../options/resolveOptions.js'
import { encodeKey } from '../storage/encodeKey.js'
import { queryIdentity } from '../storage/entryFormat.js'
import { fingerprint, sha256 } from '../storage/hashes.js'
import { type EntityKind, entryKey } from '../storage/storageKeys.js'
import type { BypassReason } from '../types.js'

/**
 * What the cache needs to know of a query, worked out once per query: its key material, the
 * invalidation tokens it depends on (the dependency walk), its KV key (a SHA-256, made only when KV
 * is asked) and what admission remembers of it. The key material is an exact encoding of the
 * arguments (`storage/encodeKey.ts`), so two reads with one material are the same query, and the
 * rest can be looked up by it instead of worked out again on every hit.
 */
export type QueryPlan = {
  readonly operation: ReadMethodName
  readonly slug: string
  readonly kind: EntityKind
  /** Every argument but `req`, exactly, then the custom `key` partition, if any. */
  readonly material: string
  /** The document a by-ID read is restricted to, canonical. */
  readonly id: string | undefined
  /** Invalidation token names the answer depends on. */
  readonly tokenNames: readonly string[]
  /** Its identity without the tokens (`storage/entryFormat.ts`): its key in the memory tier. */
  readonly query: string
  /** The entry's KV key: one per query, without the tokens (the entry carries them). */
  storeKey(): string
  /** What admission's doorkeeper remembers of the query (a fingerprint of its identity). */
  readonly admissionKey: string
}

/**
 * Queries whose plans are kept per configuration, at most 2,000 and `stateMaxBytes` (a crawler's
 * endless distinct queries must not grow the heap); the oldest is forgotten first (a Map keeps
 * insertion order). Keyed by the material itself, then by operation and target, so that a hit
 * hashes the material once.
 */
const MAX_PLANS = 2_000

type Plans = {
  byMaterial: Map<string, { byOperation: Record<string, QueryPlan | BypassReason>; bytes: number }>
  bytes: number
}

const plansByConfiguration = new WeakMap<Configured, Plans>()

const plansOf = (configured: Configured): Plans => {
  let plans = plansByConfiguration.get(configured)
  if (!plans) {
    plans = { byMaterial: new Map(), bytes: 0 }
    plansByConfiguration.set(configured, plans)
  }
  return plans
}

/** The plans kept for this configuration, and about the bytes they take. */
export const plansKept = (configured: Configured): { entries: number; bytes: number } => {
  const plans = plansByConfiguration.get(configured)
  return { entries: plans?.byMaterial.size ?? 0, bytes: plans?.bytes ?? 0 }
}

/** Bytes of heap a plan costs: its strings (UTF-16) and about 200 for the objects around them. */
const planBytes = (material: string, plan: QueryPlan | BypassReason): number =>
  typeof plan === 'string'
    ? material.length * 2 + 100
    : (material.length + plan.query.length + plan.tokenNames.join('').length) * 2 + 200

/**
 * The partition the custom `key` option gives a read, validated: a string or `undefined`.
 * Throws a `TypeError` for anything else (the option is the user's code; never silent).
 */
export const partitionOf = (
  ctx: CacheContext,
  operation: ReadMethodName,
  slug: string,
  args: Record<string, unknown>,
  context: Record<string, unknown> | undefined,
): string | undefined => {
  const partition = ctx.options.key?.({ operation, slug, args, context: context ?? {} })
  if (partition !== undefined && typeof partition !== 'string') {
    throw new TypeError(
      `payload-kv-cache: the key option must return a string or undefined, got ${typeof partition}`,
    )
  }
  return partition
}

/**
 * The plan of a read (its arguments without `req`), or why it cannot be cached: `unkeyable` (an
 * argument has no exact encoding) or `not-cached` (it depends on data whose writes the cache does
 * not track).
 */
export const planQuery = (
  ctx: CacheContext,
  operation: ReadMethodName,
  target: ReadTarget,
  slug: string,
  args: Record<string, unknown>,
  context: Record<string, unknown> | undefined,
): QueryPlan | BypassReason => {
  const base = encodeKey(args)
  if (base === undefined) return 'unkeyable'
  const partition = partitionOf(ctx, operation, slug, args, context)
  // `base` is one encoded object, so what follows it cannot be mistaken for part of it.
  const material = partition === undefined ? base : `${base}|${JSON.stringify(partition)}`
  const configured = ctx.configured
  const plans = plansOf(configured)
  const memo = `${operation}|${target}`
  const kept = plans.byMaterial.get(material)
  const known = kept?.byOperation[memo]
  if (known !== undefined) return known

  const { dependencies, keyspace } = configured
  const id = dependencies.itemOf(operation, target, args)
  const tokenNames = dependencies.readTokens({ target, slug, args, id })
  const kind: EntityKind =
    target === 'global' || target === 'globalVersions' ? 'global' : 'collection'
  const query = queryIdentity(operation, slug, material)
  let storeKey: string | undefined
  const plan: QueryPlan | BypassReason =
    tokenNames === undefined
      ? 'not-cached'
      : {
          operation,
          slug,
          kind,
          material,
          id,
          tokenNames,
          query,
          admissionKey: ctx.options.admission === 'reused' ? fingerprint(query) : '',
          storeKey: () =>
            (storeKey ??= entryKey(
              ctx.options.namespace,
              keyspace,
              kind,
              slug,
              operation,
              sha256(query),
            )),
        }
  const bytes = planBytes(material, plan)
  if (kept) {
    kept.byOperation[memo] = plan
    kept.bytes += bytes
  } else plans.byMaterial.set(material, { byOperation: { [memo]: plan }, bytes })
  plans.bytes += bytes
  const maxBytes = stateMaxBytes(ctx.options)
  for (const [oldest, old] of plans.byMaterial) {
    if (plans.byMaterial.size <= MAX_PLANS && plans.bytes <= maxBytes) break
    if (oldest === material) break
    plans.byMaterial.delete(oldest)
    plans.bytes -= old.bytes
  }
  return plan
}
