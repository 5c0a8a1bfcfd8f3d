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
