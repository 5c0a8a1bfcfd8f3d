import {
  parsePosition,
  positionOf,
  snapshotValues,
  tokenTime,
  UNWRITTEN,
} from '../storage/tokenValues.js'

/** The kind of position a lagging layer can wait for. */
export type PositionKind = 'd1' | 'postgres'

/**
 * What the database read of a fill must have seen before its result may be stored under a
 * snapshot: every write its tokens record. A token names its write by the position the writer
 * recorded (a D1 bookmark, a PostgreSQL WAL position) and by when it was written.
 */
export type Requirement = {
  /** When the newest of the tokens was written (the writer's clock, after its commit); 0: none. */
  newest: number
  /** The furthest position of the layer's kind the tokens carry. */
  position?: string
  /**
   * Values of tokens written with no position of this kind: by an isolate whose topology
   * recorded none, or by a version from before positions. Nothing says how far they reach.
   */
  unplaced: string[]
}

/** Orders two PostgreSQL WAL positions (`X/Y`, hex): negative, zero or positive. */
export const compareLsn = (a: string, b: string): number => {
  const value = (lsn: string) => {
    const [high = '0', low = '0'] = lsn.split('/')
    return BigInt(`0x${high}`) * 0x1_0000_0000n + BigInt(`0x${low}`)
  }
  const difference = value(a) - value(b)
  return difference < 0n ? -1 : difference > 0n ? 1 : 0
}

/** Orders two positions of one kind (D1 bookmarks sort as strings, Cloudflare says). */
export const comparePositions = (kind: PositionKind, a: string, b: string): number =>
  kind === 'postgres' ? compareLsn(a, b) : a < b ? -1 : a > b ? 1 : 0

/**
 * The requirement of a fill stored under `snapshot` (made of `names`, in order), for a layer
 * whose positions are of `kind`; `undefined` when the snapshot cannot be read (then nothing may be
 * stored: fail closed).
 */
export const requirementOf = (
  names: readonly string[],
  snapshot: string,
  kind: PositionKind | undefined,
): Requirement | undefined => {
  const values = snapshotValues(names, snapshot)
  if (!values) return undefined
  const out: Requirement = { newest: 0, unplaced: [] }
  for (const value of values) {
    if (value === UNWRITTEN) continue
    out.newest = Math.max(out.newest, tokenTime(value))
    const raw = positionOf(value)
    const position = raw === undefined ? undefined : parsePosition(raw)
    const text =
      position?.kind === 'd1' && kind === 'd1'
        ? position.bookmark
        : position?.kind === 'postgres' && kind === 'postgres'
          ? position.lsn
          : undefined
    if (text === undefined) out.unplaced.push(value)
    else if (
      kind !== undefined &&
      (out.position === undefined || comparePositions(kind, text, out.position) > 0)
    ) {
      out.position = text
    }
  }
  return out
}
