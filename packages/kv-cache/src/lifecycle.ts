import { type CacheContext, configure } from './context.js'
import { ALL } from './storage/tokenNames.js'
import { bump } from './write/invalidate.js'

/**
 * The adapter's lifecycle as Payload drives it: start-up runs `init` then `connect`; a hot reload
 * runs `destroy`, `init` and `connect` on the same adapter; migrations rewrite tables behind the
 * adapter's methods.
 */

type Call = () => Promise<unknown>

/** Waits for background KV writes (tests, graceful shutdown). */
export const settled = async (ctx: CacheContext): Promise<void> => {
  await ctx.background.idle()
  await ctx.tokens.settled()
}

/** Makes every cached entry stale, in every isolate: one KV write. */
export const flush = async (ctx: CacheContext): Promise<void> => {
  ctx.memory.clear()
  await bump(ctx, [ALL], true)
}

/** Migrations rewrite tables behind the adapter's methods: flush after them. */
export const migration = async (ctx: CacheContext, call: Call): Promise<unknown> => {
  try {
    return await call()
  } finally {
    await flush(ctx)
  }
}

/**
 * Payload's `destroy` (shutdown, or the first step of a hot reload): gives background KV writes
 * the time one put needs (KV's one-write-a-second spacing plus `timeoutMs`) to land, then stops
 * retrying so that no timer outlives the adapter. What did not land is said once in the log;
 * `connect` (hot reload) writes it.
 */
export const destroy = async (ctx: CacheContext, call: Call): Promise<unknown> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1_000 + ctx.options.timeoutMs + 100)
  })
  await Promise.race([settled(ctx), grace])
  clearTimeout(timer)
  const unwritten = ctx.tokens.stop()
  if (unwritten.length) {
    ctx.log(
      'warn',
      `payload-kv-cache: ${unwritten.length} invalidation(s) could not be written to KV before the adapter was destroyed (${unwritten.slice(0, 5).join(', ')}); other isolates may serve the old entries until their TTL`,
    )
  }
  return call()
}

/** Payload's `init` (start, and a hot reload with a new config): re-reads the config. */
export const init = async (ctx: CacheContext, call: Call): Promise<unknown> => {
  const result = await call()
  configure(ctx)
  return result
}

/**
 * Payload's `connect` (start, or a hot reload after `destroy`): resumes stopped KV writes. A
 * lagging layer's source sees the adapter connect (D1: the session it opens is the cache's).
 */
export const connect = async (ctx: CacheContext, call: Call): Promise<unknown> => {
  ctx.fresh?.connecting?.()
  const result = await call()
  ctx.fresh?.connected?.()
  ctx.tokens.resume()
  return result
}
