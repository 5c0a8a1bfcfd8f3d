import type { Payload } from 'payload'
import type { MethodSpec, ReadMethodName, ReadTarget } from './adapter/adapterMethods.js'
import { type AdapterInfo, type CacheContext, createContext } from './context.js'
import type { CacheStats } from './events/stats.js'
import * as lifecycle from './lifecycle.js'
import type { ResolvedOptions } from './options/resolveOptions.js'
import { purge } from './purge.js'
import { plansKept } from './read/queryPlan.js'
import { read } from './read/read.js'
import type { CacheEvent, InvalidationTarget, KVBinding } from './types.js'
import { commit, rollback } from './write/commit.js'
import { invalidateAfterCommit, tokensOf } from './write/invalidate.js'
import type { TransactionID } from './write/transactions.js'
import { unclassifiedWrite, write } from './write/write.js'

type Args = Record<string, unknown> & { req?: unknown }
type Call = () => Promise<unknown>

/**
 * One cache per Payload instance: a thin façade over its context, which the adapter wrapper
 * (`adapter/wrapAdapter.ts`) and the management functions (`manage.ts`) call. Each method is one
 * step of the read path, the write path, transactions or the lifecycle, in a module of its own.
 */
export class KVCache {
  readonly #ctx: CacheContext

  constructor(
    payload: Payload,
    binding: KVBinding,
    options: ResolvedOptions,
    adapter: AdapterInfo,
  ) {
    this.#ctx = createContext(payload, binding, options, adapter)
  }

  read(operation: ReadMethodName, target: ReadTarget, args: Args, call: Call): Promise<unknown> {
    return read(this.#ctx, operation, target, args, call)
  }

  write(spec: Extract<MethodSpec, { kind: 'write' }>, args: Args, call: Call): Promise<unknown> {
    return write(this.#ctx, spec, args, call)
  }

  unclassifiedWrite(name: string, args: Args, call: Call): Promise<unknown> {
    return unclassifiedWrite(this.#ctx, name, args, call)
  }

  commit(id: unknown, call: Call): Promise<unknown> {
    return commit(this.#ctx, id, call)
  }

  rollback(id: unknown, call: Call): Promise<unknown> {
    return rollback(this.#ctx, id, call)
  }

  /** `invalidate(payload, targets, req)`: ids canonical, as a write's; after commit in a transaction. */
  invalidate(targets: readonly InvalidationTarget[], transaction: TransactionID | undefined) {
    return invalidateAfterCommit(this.#ctx, tokensOf(this.#ctx, targets), transaction, true)
  }

  /** The sanitized config the cache works from (for validating targets). */
  get config(): Payload['config'] {
    return this.#ctx.configured.config
  }

  flush(): Promise<void> {
    return lifecycle.flush(this.#ctx)
  }

  purge(target: { collection?: string; global?: string }, cursor: string | undefined, max: number) {
    return purge(this.#ctx, target, cursor, max)
  }

  migration(call: Call): Promise<unknown> {
    return lifecycle.migration(this.#ctx, call)
  }

  destroy(call: Call): Promise<unknown> {
    return lifecycle.destroy(this.#ctx, call)
  }

  init(call: Call): Promise<unknown> {
    return lifecycle.init(this.#ctx, call)
  }

  connect(call: Call): Promise<unknown> {
    return lifecycle.connect(this.#ctx, call)
  }

  settled(): Promise<void> {
    return lifecycle.settled(this.#ctx)
  }

  stats(): CacheStats {
    const { stats, store, memory, admission, tokens, configured } = this.#ctx
    return stats.snapshot(
      store.circuit,
      {
        entries: memory.size,
        bytes: memory.bytes,
        tokens: tokens.size,
        plans: plansKept(configured),
      },
      admission.budget(Date.now()),
    )
  }

  resetStats(): void {
    this.#ctx.stats.reset()
  }

  subscribe(listener: (event: CacheEvent) => void): () => void {
    return this.#ctx.subscribe(listener)
  }
}
