import type { QueryPlan } from './queryPlan.js'

/** One read once it is known what it is and under which tokens: what the later steps share. */
export type PlannedRead = {
  readonly plan: QueryPlan
  /** The read's full identity, tokens included (`storage/entryFormat.ts`): its memory key. */
  readonly identity: string
  /** Seconds its entry lives. */
  readonly ttl: number
  /** When the read began (`Date.now()`), for the events' durations. */
  readonly started: number
  /** The adapter call itself. */
  readonly call: () => Promise<unknown>
}
