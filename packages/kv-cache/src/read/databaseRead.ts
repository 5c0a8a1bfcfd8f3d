import { parseResult, serializeResult } from '../storage/serializeResult.js'

/** A database read that never throws here: its result, or its error. */
export type DatabaseOutcome = (
  | {
      ok: true
      result: unknown
      /** `false`: read behind a lagging layer that could not make it fresh enough to store. */
      storable?: false
    }
  | { ok: false; error: unknown }
) & {
  /** When the read began. */
  startedAt: number
}

export const readDatabase = (call: () => Promise<unknown>): Promise<DatabaseOutcome> => {
  const startedAt = Date.now()
  return call().then(
    (result) => ({ ok: true as const, result, startedAt }),
    (error: unknown) => ({ ok: false as const, error, startedAt }),
  )
}

type Shared = {
  outcome: Promise<DatabaseOutcome>
  joined: number
  /** The result as stored text, made before its leader hands the result on (Payload mutates it). */
  text?: string
}

/**
 * One database read for identical reads made at once in this isolate that have no cache key yet:
 * those that skip the cache while KV cannot say which invalidations are current (the circuit
 * open), and those that start before their tokens arrive (`hedge.ts`). The key is the query and
 * this isolate's count of its own invalidations, so that no read shares one that began before
 * this isolate's write. The first gets the database's own result; every other one its own copy,
 * parsed from the text the first made before returning (or a read of its own, when the result
 * cannot be stored as text). Entries live only while their read is in flight.
 */
export class SharedReads {
  readonly #reads = new Map<string, Shared>()

  get size(): number {
    return this.#reads.size
  }

  read(query: string, changes: number, call: () => Promise<unknown>): Promise<DatabaseOutcome> {
    const key = `${query}|${changes}`
    const shared = this.#reads.get(key)
    if (shared) {
      shared.joined++
      return shared.outcome.then((outcome) => {
        if (!outcome.ok) return outcome
        if (shared.text === undefined) return readDatabase(call)
        return { ok: true, result: parseResult(shared.text), startedAt: outcome.startedAt }
      })
    }
    const own: Shared = { outcome: readDatabase(call), joined: 0 }
    this.#reads.set(key, own)
    // Runs before the leader's own continuation: the text is made before anyone mutates the result.
    void own.outcome.then((outcome) => {
      if (this.#reads.get(key) === own) this.#reads.delete(key)
      if (outcome.ok && own.joined) own.text = serializeResult(outcome.result)
    })
    return own.outcome
  }
}
