import type { CacheContext } from '../context.js'
import { readEventFields } from '../events/readEvent.js'
import type { PlannedRead } from '../read/plannedRead.js'
import { requirementOf } from './requirement.js'

/**
 * The database read of a fill (a miss, a `refresh`, a stale entry's revalidation), no older than
 * the tokens its result will be stored under: behind a lagging layer (`ctx.fresh`, see
 * `detectTopology.ts`) the layer's source makes it so, or says its result must not be stored.
 * Without one, it is the adapter's read as it is.
 */
export const readFresh = async (
  ctx: CacheContext,
  read: PlannedRead,
  started = read.started,
): Promise<{ result: unknown; storable: boolean }> => {
  const source = ctx.fresh
  if (!source) return { result: await read.call(), storable: true }
  const requirement = requirementOf(read.plan.tokenNames, read.snapshot, source.positionKind)
  const fresh = await source.read(requirement, read.call)
  if (fresh.action) {
    ctx.emit({
      type: 'lag',
      layer: fresh.layer ?? 'd1',
      action: fresh.action,
      ...readEventFields(ctx.options, read.plan.operation, read.plan.slug, read.identity, started),
    })
  }
  return fresh
}
