import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import { serializeResult } from '../storage/serializeResult.js'
import type { CacheControl } from '../types.js'
import type { DatabaseOutcome } from './databaseRead.js'
import { fill } from './fill.js'
import { coldMiss, safeUnder } from './hedge.js'
import { lookupKV } from './lookup.js'
import { plannedRead } from './plannedRead.js'
import type { QueryPlan } from './queryPlan.js'

type Taken = { snapshot: string | undefined; kvEntry?: string | null; known?: string }

/**
 * The database answered before KV said which tokens are current (a fresh isolate whose token
 * read is cold, `hedge.ts`): its answer goes out now. When the tokens come, the result is kept
 * under them — unless memory or KV already holds the answer, or the tokens may reflect a write
 * the database read missed (`safeUnder`).
 */
export const answerBeforeTokens = (
  ctx: CacheContext,
  plan: QueryPlan,
  control: CacheControl | undefined,
  ttl: number,
  started: number,
  outcome: Extract<DatabaseOutcome, { ok: true }>,
  taken: Promise<Taken>,
): unknown => {
  const fields = readEventFields(ctx.options, plan.operation, plan.slug, plan.query, started)
  ctx.emit({ type: 'miss', hedged: true, ...fields })
  coldMiss(ctx)
  // Made before the result is handed on: Payload mutates it.
  const data = serializeResult(outcome.result)
  if (data === undefined) {
    if (outcome.result !== undefined) ctx.emit({ type: 'skip-round-trip', ...fields })
    return outcome.result
  }
  const keep = async ({ snapshot, kvEntry, known }: Taken) => {
    if (snapshot === undefined) return
    const read = plannedRead(ctx, plan, snapshot, control, ttl, started, async () => undefined)
    if (!safeUnder(plan.tokenNames, snapshot, known, outcome.startedAt, ctx.tokens.own)) return
    if (control?.mode !== 'refresh') {
      if (ctx.memory.has(plan.query, snapshot, Date.now(), ctx.staleMs)) return
      const { hit, seen } = await lookupKV(ctx, read, kvEntry)
      if (hit) {
        const { data: text, expiresAt, storedAt } = hit
        ctx.memory.set(plan.query, snapshot, { data: text, expiresAt, storedAt, kv: true })
        return
      }
      fill(ctx, read, data, started, seen)
    } else fill(ctx, read, data, started)
  }
  ctx.background.run(taken.then(keep))
  return outcome.result
}
