import type { KVNamespace } from '@cloudflare/workers-types'
import type { Payload } from 'payload'
import { getCacheStats, resetCacheStats, settled, withKVCache } from 'payload-kv-cache'
import type { BenchConfig } from '../config.js'
import type { BenchDatabase } from '../databases.js'
import { adapterFindOne, adapterPageFind, pageFind } from '../queries.js'
import { interleaved, median, type Summary } from '../timing.js'
import type { BenchWorkerd } from '../workerd.js'

export const OPERATIONS = [
  'payload.find',
  'payload.findByID',
  'payload.db.find',
  'payload.db.findOne',
] as const
type Operation = (typeof OPERATIONS)[number]

const operations = (
  payload: Payload,
  id: number | string,
): Record<Operation, () => Promise<unknown>> => ({
  'payload.find': () => payload.find(pageFind),
  'payload.findByID': () => payload.findByID({ collection: 'posts', id, depth: 0 }),
  'payload.db.find': () => payload.db.find(adapterPageFind()),
  'payload.db.findOne': () => payload.db.findOne(adapterFindOne(id)),
})

export type ReadsFromNode = {
  /** tier → operation → summary (ms). */
  tiers: Record<string, Record<string, Summary>>
  /** Misses seen by the cached tiers while timed (must be 0: every timed read was a hit). */
  missesWhileTimed: { kv: number; memory: number }
  pageBytes: number
}

/**
 * Read latency from Node: every operation, uncached on each database, and through the cache (in
 * front of sqlite; a hit never reaches the database) with a KV hit (`memory: false`, Miniflare's
 * KV through its Node proxy) and a memory-tier hit.
 */
export async function readsFromNode(
  config: BenchConfig,
  databases: BenchDatabase[],
  kv: KVNamespace,
  log: (line: string) => void,
): Promise<ReadsFromNode> {
  const sqlite = databases.find((d) => d.kind === 'sqlite')
  if (!sqlite) throw new Error('the read scenarios need the sqlite database')
  const first = await sqlite.plain.find(pageFind)
  const id = first.docs[0]?.id as number | string
  const kvTier = await sqlite.attach((f) =>
    withKVCache(f, kv, { namespace: 'node-kv', memory: false }),
  )
  const memoryTier = await sqlite.attach((f) => withKVCache(f, kv, { namespace: 'node-memory' }))

  const tiers: Array<{ tier: string; payload: Payload; slow: boolean }> = [
    ...databases.map((d) => ({
      tier: `uncached ${d.kind}`,
      payload: d.plain,
      slow: d.kind === 'd1',
    })),
    { tier: 'KV hit (Miniflare KV from Node)', payload: kvTier, slow: true },
    { tier: 'memory hit', payload: memoryTier, slow: false },
  ]
  // Fill both cached instances, and let the background KV puts land, before any timing.
  for (const cached of [kvTier, memoryTier]) {
    for (const op of Object.values(operations(cached, id))) await op()
    await settled(cached)
    resetCacheStats(cached)
  }

  const scenarios = tiers.flatMap(({ tier, payload, slow }) =>
    Object.entries(operations(payload, id)).map(([operation, op]) => ({
      name: `${tier}\u0000${operation}`,
      iterations: slow ? config.slowIterations : config.iterations,
      op,
    })),
  )
  const summaries = await interleaved(scenarios, config.runs, {
    onRun: (run) => log(`  reads from Node: run ${run + 1}/${config.runs}`),
  })
  const out: ReadsFromNode['tiers'] = {}
  for (const [name, summary] of Object.entries(summaries)) {
    const [tier, operation] = name.split('\u0000') as [string, string]
    out[tier] ??= {}
    out[tier][operation] = summary
  }
  return {
    tiers: out,
    missesWhileTimed: {
      kv: getCacheStats(kvTier).total.misses,
      memory: getCacheStats(memoryTier).total.misses,
    },
    pageBytes: JSON.stringify(await sqlite.plain.db.find(adapterPageFind())).length,
  }
}

export type ReadsInWorkerd = {
  /** scenario → median over rounds of the mean per operation (ms). */
  means: Record<string, { mean: number; spread: [number, number]; rounds: number }>
  /** Misses seen by the cached instances while timed (must be 0). */
  missesWhileTimed: { kv: number; memory: number }
}

type RoundResult = {
  means: Record<string, number>
  totals: Record<'kv' | 'memory', Record<string, Record<string, { misses: number }>>>
}

/** Read latency inside workerd: `config.runs` rounds of the Worker's `/reads`, medians of the round means. */
export async function readsInWorkerd(
  config: BenchConfig,
  workerd: BenchWorkerd,
  log: (line: string) => void,
): Promise<ReadsInWorkerd> {
  await workerd.call('/boot', {})
  const rounds: RoundResult[] = []
  for (let run = 0; run < config.runs; run++) {
    log(`  reads inside workerd: round ${run + 1}/${config.runs}`)
    rounds.push(
      await workerd.call<RoundResult>('/reads', { minOps: 10, minMs: config.workerdBatchMs }),
    )
  }
  const means: ReadsInWorkerd['means'] = {}
  for (const name of Object.keys(rounds[0]?.means ?? {})) {
    const values = rounds.map((r) => r.means[name] as number)
    means[name] = {
      mean: median(values),
      spread: [Math.min(...values), Math.max(...values)],
      rounds: values.length,
    }
  }
  const misses = (tier: 'kv' | 'memory') =>
    rounds.reduce(
      (sum, r) =>
        sum +
        Object.values(r.totals[tier]).reduce(
          (s, ops) => s + Object.values(ops).reduce((t, stats) => t + stats.misses, 0),
          0,
        ),
      0,
    )
  return { means, missesWhileTimed: { kv: misses('kv'), memory: misses('memory') } }
}
