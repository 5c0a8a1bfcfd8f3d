import type { ReadMethodName } from '../adapter/adapterMethods.js'
import type { CacheContext } from '../context.js'
import { idFromWhere } from '../dependencies/dependencies.js'
import { partitionOf } from '../read/queryPlan.js'
import type { BypassReason, CacheControl } from '../types.js'
import { transactionOf } from '../write/transactions.js'
import { controlOf } from './cacheControl.js'
import type { RequestLike } from './requestClaims.js'

/**
 * Whose read this is, and how it must be handled, in one place: the request it belongs to (its
 * own, or for findByID's context-less `findOne` the one every claim on the document agrees on),
 * that request's cache control merged with `withCacheControl`'s and validated, and the reasons to
 * leave the cache out of it.
 */
export type Handling =
  | { bypass: BypassReason }
  | {
      /** The request the read belongs to (for its `context`), if any. */
      request: RequestLike | undefined
      control: CacheControl | undefined
      /** Set when the request was found through a findByID's claim on this document. */
      claimed?: { slug: string; id: string }
    }

/**
 * The request of a findByID's `findOne`, which carries none: handled as every request that claims
 * its document says, when they all agree on how (control, logged in or not, partition); otherwise,
 * or when no request claims it, it cannot be told whose it is (see `requestClaims.ts`).
 */
const claimedRequest = (
  ctx: CacheContext,
  operation: ReadMethodName,
  slug: string,
  id: string | undefined,
  args: Record<string, unknown>,
): RequestLike | undefined => {
  const claimed = id === undefined ? [] : ctx.claims.requests(slug, id)
  const first = claimed[0]
  if (first === undefined || claimed.length === 1) return first
  const signature = (request: RequestLike) =>
    JSON.stringify([
      controlOf(request) ?? null,
      // Logged in or not changes the handling only when logged-in reads bypass.
      ctx.options.authenticatedReads === 'database' && Boolean(request.user),
      partitionOf(ctx, operation, slug, args, request.context) ?? null,
    ])
  const agreed = signature(first)
  for (let i = 1; i < claimed.length; i++) {
    if (signature(claimed[i] as RequestLike) !== agreed) return undefined
  }
  return first
}

/**
 * How a read must be handled. Its control is validated on every read, so that a mistake is never
 * silent; a promise only when the request's transaction is one.
 */
export const resolveRequest = (
  ctx: CacheContext,
  operation: ReadMethodName,
  slug: string,
  req: unknown,
  args: Record<string, unknown>,
): Handling | Promise<Handling> => {
  const own = req && typeof req === 'object' ? (req as RequestLike) : undefined
  let request = own
  let claimed: { slug: string; id: string } | undefined
  if (own?.context === undefined && operation === 'findOne') {
    const pinned = idFromWhere(args.where)
    if (pinned !== undefined) {
      const id = ctx.configured.dependencies.canonicalID(slug, pinned)
      request = claimedRequest(ctx, operation, slug, id, args)
      if (request === undefined || id === undefined) return { bypass: 'ambiguous-request' }
      claimed = { slug, id }
    }
  }
  const control = controlOf(request)
  if (control?.bypass) return { bypass: 'request' }
  // A logged-in user's next request may land on an isolate whose tokens predate their write.
  if (ctx.options.authenticatedReads === 'database' && request?.user) {
    return { bypass: 'authenticated' }
  }
  const handling: Handling = { request, control, ...(claimed ? { claimed } : {}) }
  // Reads inside a transaction may see uncommitted rows.
  const transaction = transactionOf(req)
  if (transaction instanceof Promise) {
    return transaction.then((id) => (id === undefined ? handling : { bypass: 'transaction' }))
  }
  return transaction === undefined ? handling : { bypass: 'transaction' }
}

/**
 * A `cache-only` read that missed ends its operation, so a findByID's claim goes with it: every
 * live claim on the document agreed (or the read would have bypassed), so withdrawing any one of
 * them is withdrawing this read's, as far as any later read can tell. Without it, a `cache-only`
 * claim would make the usual fallback, a default read of the same document, bypass for the claim's
 * whole life.
 */
export const releaseClaim = (ctx: CacheContext, handling: Handling): void => {
  if ('claimed' in handling && handling.claimed && handling.request) {
    ctx.claims.release(handling.claimed.slug, handling.claimed.id, handling.request)
  }
}
