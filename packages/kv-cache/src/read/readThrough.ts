import type { CacheContext } from '../context.js'
import type { KVCacheMissError } from '../errors.js'
import { readEventFields } from '../events/readEvent.js'
import { readFresh } from '../freshness/readFresh.js'
import type { CacheControl } from '../types.js'
import { store } from './fill.js'
import { lookupKV } from './lookup.js'
import type { PlannedRead } from './plannedRead.js'

/**
 * The read that leads: identical reads arriving meanwhile wait for its answer (`joinFlight`). It
 * looks in KV (unless `refresh`), else reads the database and stores the result. `kvEntry` is the
 * entry when it was read along with the tokens (`null`: KV had none).
 */
export const readThrough = async (
  ctx: CacheContext,
  read: PlannedRead,
  control: CacheControl | undefined,
  kvEntry: string | null | undefined,
  onCacheOnlyMiss: () => KVCacheMissError,
): Promise<unknown> => {
  let settle!: (data: string | undefined) => void
  const flight = new Promise<string | undefined>((resolve) => {
    settle = resolve
  })
  ctx.inflight.set(read.identity, flight)
  try {
    if (control?.mode !== 'refresh') {
      const kv = await lookupKV(ctx, read, kvEntry)
      if (kv) {
        settle(kv.data)
        return kv.found.value
      }
      // A lookup that found nothing. A refresh made no lookup, so it is not a miss.
      ctx.emit({
        type: 'miss',
        ...readEventFields(
          ctx.options,
          read.plan.operation,
          read.plan.slug,
          read.identity,
          read.started,
        ),
      })
      if (control?.mode === 'cache-only') throw onCacheOnlyMiss()
    }
    // No older than the tokens it is stored under, behind a lagging replica too (freshness/).
    const { result, storable } = await readFresh(ctx, read)
    settle(storable ? store(ctx, read, result) : undefined)
    return result
  } finally {
    settle(undefined) // no-op when already settled
    if (ctx.inflight.get(read.identity) === flight) ctx.inflight.delete(read.identity)
  }
}
