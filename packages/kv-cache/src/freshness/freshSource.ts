import type { PositionKind, Requirement } from './requirement.js'

/** The layer that can answer older than the primary: D1's read replicas, PostgreSQL's, Hyperdrive's cache. */
export type LagLayer = 'd1' | 'postgres' | 'hyperdrive'

/**
 * What a fill's database read had to do to be fresh enough for its tokens:
 * - `bookmark`: the D1 session was moved to the writers' bookmark first;
 * - `primary`: it was read from the primary (a primary-first D1 session, Payload's read-after-write
 *   routing for PostgreSQL, the uncached Hyperdrive connection);
 * - `replica`: the replicas were asked how far they had got, and had caught up;
 * - `not-stored`: nothing could be made fresh enough: it was read as the adapter reads, and not
 *   stored.
 */
export type LagAction = 'bookmark' | 'primary' | 'replica' | 'not-stored'

/** A fill's database read, and whether its result may be stored under the read's tokens. */
export type FreshRead = {
  result: unknown
  storable: boolean
  /** Set when the layer had to act (see `LagAction`); unset when the source was fresh already. */
  action?: LagAction
  layer?: LagLayer
}

/**
 * A database whose reads can lag behind its primary, as the cache handles it (one module each:
 * `d1Sessions.ts`, `postgresReplicas.ts`). Writes record how far the database had got in the tokens
 * they replace; a fill under tokens makes its read at least that fresh, or does not store it.
 */
export type FreshSource = {
  /** Which positions this source's writes record in their tokens, if any. */
  readonly positionKind: PositionKind | undefined
  /**
   * The position the database is at now, recorded in the tokens a write replaces. `external`: the
   * write may have been made outside this adapter (`flush`, `invalidate`), so ask the primary.
   * `undefined` when there is none to give (readers then go to the primary).
   */
  position(external: boolean): Promise<string | undefined> | string | undefined
  /** Reads under `requirement` (`undefined`: unknown, fail closed). */
  read(requirement: Requirement | undefined, call: () => Promise<unknown>): Promise<FreshRead>
  /** Before Payload's `connect` runs (D1: the session the adapter opens must be the cache's). */
  connecting?(): void
  /** After Payload's `connect` (PostgreSQL: the replica pools exist now). */
  connected?(): void
}
