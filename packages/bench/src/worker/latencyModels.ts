/**
 * The production model's view of Cloudflare (see `production.ts`): D1 and KV bindings with the
 * latency of one location injected per call, counted as Cloudflare bills them, and failing as
 * they fail while the run says they are down.
 */
import { D1_ERRORS, interceptD1, isSelect } from 'payload-kv-cache-test-fixtures/interceptD1'

/** Milliseconds per call; every figure a parameter (see `sections/production.ts` for sources). */
export type LatencyModel = {
  d1Ms: number
  kvHotMs: number
  kvColdMs: number
  kvWriteMs: number
  /** How long a key read (or written) at this location stays hot in its edge cache. */
  kvHotWindowMs: number
  /**
   * Cloudflare's cold-read tail: this share of cold reads takes `kvColdTailMs` instead of
   * `kvColdMs` (published: cold p95 ≈ 50 ms, p99 ≈ 250 ms outside North America).
   */
  kvColdTailMs: number
  kvColdTailShare: number
}

export type KVCounts = {
  /** Calls (a bulk get is one). */
  getCalls: number
  /** Keys read: what Cloudflare bills. */
  keysRead: number
  /** Of which token / epoch keys. */
  tokenKeysRead: number
  /** Puts and deletes KV accepted (what Cloudflare bills). */
  puts: number
  deletes: number
  /** Puts and deletes refused with a 429: another write reached the key within the second. */
  refused: number
  lists: number
}

/** What is down now: the run sets it page by page (`Faults` in `production.ts`). */
export type Outage = { d1: boolean; kv: boolean }

const sleep = (ms: number) =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()

/**
 * The D1 binding with `d1Ms` added to every query (a batch is one round trip), counted. While
 * `outage.d1` is set, a read (a statement that starts with `select`) is refused after its round
 * trip with D1's daily row read limit error (the free plan's, enforced from 2026-09-01; the text
 * the cache's `databaseErrors.ts` recognises); writes go through.
 */
export const delayedD1 = (
  d1: D1Database,
  model: LatencyModel,
  counts: { queries: number },
  outage: Outage,
): D1Database =>
  interceptD1(d1, {
    statement: async (sql) => {
      counts.queries++
      await sleep(model.d1Ms)
      if (outage.d1 && isSelect(sql)) throw new Error(D1_ERRORS['row-read-limit'])
    },
    batch: async (sqls) => {
      counts.queries += sqls.length
      await sleep(model.d1Ms)
      if (outage.d1 && sqls.some(isSelect)) throw new Error(D1_ERRORS['row-read-limit'])
    },
    exec: async () => {
      counts.queries++
      await sleep(model.d1Ms)
    },
  })

/**
 * KV with the latency of one location: a key read or written here within `kvHotWindowMs` is hot,
 * otherwise cold (a share `kvColdTailShare` of cold reads, drawn from `random`, takes
 * `kvColdTailMs`); a bulk get waits for its slowest key. A put or delete that reaches a key less
 * than a second after the last accepted write to it is refused as production KV refuses it (the
 * second counted from when a write reaches KV, after `kvWriteMs`). While `outage.kv` is set, no
 * call answers: each hangs for good (the cache's `timeoutMs` ends its wait). Counts what Cloudflare
 * bills (a call that never reached KV is not counted).
 */
export const modelledKV = (
  kv: KVNamespace,
  model: LatencyModel,
  counts: KVCounts,
  isToken: (key: string) => boolean,
  edge: Map<string, number>,
  random: () => number,
  outage: Outage,
) => {
  const unanswered = () => (outage.kv ? new Promise<never>(() => {}) : undefined)
  const readDelay = (key: string) => {
    const now = Date.now()
    const last = edge.get(key)
    edge.set(key, now)
    if (last !== undefined && now - last < model.kvHotWindowMs) return model.kvHotMs
    return random() < model.kvColdTailShare ? model.kvColdTailMs : model.kvColdMs
  }
  const lastWrite = new Map<string, number>()
  /** Takes a write that reached KV now, or refuses it (counted) as KV does. */
  const accept = (verb: 'PUT' | 'DELETE', key: string) => {
    const now = Date.now()
    const last = lastWrite.get(key)
    if (last !== undefined && now - last < 1_000) {
      counts.refused++
      throw new Error(`KV ${verb} failed: 429 Too Many Requests`)
    }
    lastWrite.set(key, now)
  }
  const get = async (key: string | string[], options?: unknown) => {
    const keys = Array.isArray(key) ? key : [key]
    await unanswered()
    counts.getCalls++
    counts.keysRead += keys.length
    counts.tokenKeysRead += keys.filter(isToken).length
    await sleep(Math.max(...keys.map(readDelay)))
    return (kv.get as (k: unknown, o?: unknown) => Promise<unknown>)(key, options)
  }
  return {
    get,
    getWithMetadata: async (key: string, options?: unknown) => {
      await unanswered()
      counts.getCalls++
      counts.keysRead++
      if (isToken(key)) counts.tokenKeysRead++
      await sleep(readDelay(key))
      return kv.getWithMetadata(key, options as never)
    },
    put: async (key: string, value: string, options?: unknown) => {
      await unanswered()
      await sleep(model.kvWriteMs)
      accept('PUT', key)
      counts.puts++
      await kv.put(key, value, options as never)
      // Cloudflare: a write is visible at once in the location that made it (one location here).
      edge.set(key, Date.now())
    },
    delete: async (key: string) => {
      await unanswered()
      await sleep(model.kvWriteMs)
      accept('DELETE', key)
      counts.deletes++
      await kv.delete(key)
      edge.delete(key)
    },
    list: async (options?: unknown) => {
      await unanswered()
      counts.lists++
      await sleep(model.kvColdMs)
      return kv.list(options as never)
    },
  } as unknown as KVNamespace
}
