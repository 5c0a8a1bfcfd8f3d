import type { CacheContext } from '../context.js'
import { entryIdentity } from '../storage/entryFormat.js'
import type { CacheControl } from '../types.js'
import type { QueryPlan } from './queryPlan.js'

/** One read once it is known what it is and under which tokens: what the later steps share. */
export type PlannedRead = {
  readonly plan: QueryPlan
  /** The invalidation snapshot the read is keyed by: its tokens as they were before it began. */
  readonly snapshot: string
  /**
   * The read's full identity, tokens included (`storage/entryFormat.ts`): what its KV entry must
   * carry, and the key of the reads in flight.
   */
  readonly identity: string
  /** Seconds its entry lives. */
  readonly ttl: number
  /** When the read began (`Date.now()`), for the events' durations. */
  readonly started: number
  /** The adapter call itself. */
  readonly call: () => Promise<unknown>
}

/** The planned read of a plan under a snapshot. */
export const plannedRead = (
  ctx: CacheContext,
  plan: QueryPlan,
  snapshot: string,
  control: CacheControl | undefined,
  ttl: number,
  started: number,
  call: () => Promise<unknown>,
): PlannedRead => ({
  plan,
  snapshot,
  identity: entryIdentity(plan.operation, plan.slug, plan.material, snapshot),
  ttl: Math.min(control?.ttl ?? ttl, ctx.maxTtl),
  started,
  call,
})
