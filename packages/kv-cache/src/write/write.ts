import type { MethodSpec } from '../adapter/adapterMethods.js'
import type { CacheContext } from '../context.js'
import { ALL } from '../storage/tokenNames.js'
import { clock } from '../tokenWriter.js'
import { invalidateAfterCommit } from './invalidate.js'
import { transactionOf } from './transactions.js'
import { writtenIDs } from './writtenIDs.js'

type Args = Record<string, unknown> & { req?: unknown }
type Call = () => Promise<unknown>

/** The collection or global a write is about. */
const slugOf = (global: boolean, args: Args): string =>
  String(
    global
      ? (args.slug ?? args.global ?? args.globalSlug ?? '')
      : (args.collection ?? args.collectionSlug ?? ''),
  )

/**
 * A write: pass it through, then invalidate what it changed (when its transaction commits, if it
 * is in one). A failed write invalidates too: it may have changed what it was pinned to.
 */
export const write = async (
  ctx: CacheContext,
  spec: Extract<MethodSpec, { kind: 'write' }>,
  args: Args,
  call: Call,
): Promise<unknown> => {
  const transaction = await transactionOf(args.req)
  let result: unknown
  let failed = false
  const ended = inFlight(ctx)
  try {
    result = await call()
    return result
  } catch (error) {
    failed = true
    throw error
  } finally {
    ended()
    // deleteVersions and updateVersion can name a global; updateJobs writes `payload-jobs`.
    const global = spec.target === 'global' || Boolean(args.globalSlug)
    const names = ctx.configured.dependencies.writeTokens({
      target: global ? 'global' : 'collection',
      slug: spec.target === 'jobs' ? 'payload-jobs' : slugOf(global, args),
      deletes: spec.deletes,
      versions: spec.versions,
      ids: writtenIDs(args, failed ? undefined : result),
    })
    await invalidateAfterCommit(ctx, names, transaction)
  }
}

/**
 * Counts a write operation in flight until the returned function is called: the token writer
 * waits for the writes of one operation (a document, then its version) before it puts.
 */
const inFlight = (ctx: CacheContext): (() => void) => {
  ctx.writes.active++
  return () => {
    ctx.writes.active--
    ctx.writes.lastEndedAt = clock()
  }
}

const warned = new WeakMap<CacheContext, Set<string>>()

/**
 * A write-shaped adapter member the classification map does not know (see
 * `adapter/wrapAdapter.ts`): it may change anything, so everything is made stale after it, and it
 * is said once in the log.
 */
export const unclassifiedWrite = async (
  ctx: CacheContext,
  name: string,
  args: Args,
  call: Call,
): Promise<unknown> => {
  let said = warned.get(ctx)
  if (!said) {
    said = new Set()
    warned.set(ctx, said)
  }
  if (!said.has(name)) {
    said.add(name)
    ctx.log(
      'warn',
      `payload-kv-cache: payload.db.${name} is not in payload-kv-cache's map of adapter methods (a newer Payload?); it is treated as a write that may change anything, and every call makes the whole cache stale. Upgrade payload-kv-cache.`,
    )
  }
  const transaction = await transactionOf(args.req)
  const ended = inFlight(ctx)
  try {
    return await call()
  } finally {
    ended()
    await invalidateAfterCommit(ctx, [ALL], transaction)
  }
}
