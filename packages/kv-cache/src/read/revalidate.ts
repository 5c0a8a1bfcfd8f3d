import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import { readFresh } from '../freshness/readFresh.js'
import { store } from './fill.js'
import type { PlannedRead } from './plannedRead.js'

/**
 * Replaces an entry served stale (past its TTL, within `staleWhileRevalidate`): one background
 * database read per identity in this isolate at a time, stored under the same identity. That
 * identity holds the tokens as they were before the stale read began, so a write meanwhile leaves
 * the refreshed entry unreachable, as any slow fill.
 */
export const revalidate = (ctx: CacheContext, read: PlannedRead): void => {
  if (ctx.revalidating.has(read.identity)) return
  ctx.revalidating.add(read.identity)
  const started = Date.now()
  const refresh = (async () => {
    let ok = false
    try {
      const { result, storable } = await readFresh(ctx, read, started)
      if (storable) store(ctx, read, result, started)
      ok = true
    } finally {
      ctx.revalidating.delete(read.identity)
      ctx.emit({
        type: 'revalidate',
        ok,
        ...readEventFields(
          ctx.options,
          read.plan.operation,
          read.plan.slug,
          read.identity,
          started,
        ),
      })
    }
  })()
  ctx.background.run(refresh)
}
