/**
 * The request's `context` for reads Payload makes without it.
 *
 * Payload's `findByID` calls the adapter's `findOne` with `req: { transactionID }` only, so neither
 * `context.kvCache` nor the context a custom `key` partitions by would reach the cache for the most
 * common read of all (`GET /api/posts/:id`, JWT auth, every `payload.findByID`). The cache therefore
 * adds two hooks to every cached collection: `beforeOperation` notes the request of each `findByID`
 * under the document it asks for, `afterOperation` forgets it. A `findOne` without context that pins
 * that document then reads the request's context from there — at the time of the read, so a
 * `beforeOperation` hook of the app's own that sets `req.context.kvCache` works too, in Node and in
 * workerd alike (no AsyncLocalStorage involved).
 *
 * Several requests may read the same document at once. When they agree (same control, same custom
 * key), any of them will do, and the findOne takes one claim away; when they differ, the read
 * cannot tell whose it is and bypasses the cache: it reads the database and stores nothing.
 */
export type RequestLike = { context?: Record<string, unknown>; user?: unknown }

type Claim = { req: RequestLike; expires: number }

/**
 * A findByID that never reaches its findOne nor `afterOperation` (access denied, a hook that
 * throws) is forgotten after this; meanwhile it can only make reads of that document bypass.
 */
const CLAIM_MS = 10_000

export class RequestContexts {
  readonly #claims = new Map<string, Set<Claim>>()

  #key(slug: string, id: string): string {
    return `${slug}\u0000${id}`
  }

  claim(slug: string, id: string, req: RequestLike, now = Date.now()): void {
    const key = this.#key(slug, id)
    let claims = this.#claims.get(key)
    if (!claims) {
      claims = new Set()
      this.#claims.set(key, claims)
    }
    for (const claim of claims) if (claim.expires <= now) claims.delete(claim)
    claims.add({ req, expires: now + CLAIM_MS })
  }

  /** Forgets one claim of `req` (its findOne has read), or all of them (its findByID ended). */
  release(slug: string, id: string, req: RequestLike, one = false): void {
    const key = this.#key(slug, id)
    const claims = this.#claims.get(key)
    if (!claims) return
    for (const claim of claims) {
      if (claim.req !== req) continue
      claims.delete(claim)
      if (one) break
    }
    if (!claims.size) this.#claims.delete(key)
  }

  /** The requests whose `findByID` is reading this document now. */
  requests(slug: string, id: string, now = Date.now()): RequestLike[] {
    const claims = this.#claims.get(this.#key(slug, id))
    if (!claims) return []
    const out: RequestLike[] = []
    for (const claim of claims) {
      if (claim.expires <= now) claims.delete(claim)
      else out.push(claim.req)
    }
    return out
  }
}

type Hook = (args: Record<string, unknown>) => unknown
type CollectionLike = { slug: string; hooks?: Record<string, Hook[] | undefined> }

/** Marks the hooks added here, so that a second configuration of the same config adds none. */
const installed = Symbol.for('payload-kv-cache.requestContext')

/**
 * Adds the `findByID` hooks to the cached collections of a sanitized config (Payload reads hook
 * arrays at call time, so adding them when the adapter starts is enough).
 */
export const installRequestHooks = (
  collections: readonly CollectionLike[],
  cached: ReadonlySet<string>,
  contexts: RequestContexts,
  canonicalID: (slug: string, id: unknown) => string | undefined,
): void => {
  for (const collection of collections) {
    if (!cached.has(collection.slug)) continue
    collection.hooks ??= {}
    const hooks = collection.hooks
    hooks.beforeOperation ??= []
    hooks.afterOperation ??= []
    const before = hooks.beforeOperation
    const after = hooks.afterOperation
    if (before.some((hook) => installed in hook)) continue
    const slug = collection.slug
    const beforeOperation: Hook = ({ args, operation }) => {
      const { id, req } = (args ?? {}) as { id?: unknown; req?: RequestLike }
      if (operation === 'read' && id !== undefined && req) {
        const canonical = canonicalID(slug, id)
        if (canonical !== undefined) contexts.claim(slug, canonical, req)
      }
      return args
    }
    const afterOperation: Hook = ({ args, operation, result }) => {
      const { id, req } = (args ?? {}) as { id?: unknown; req?: RequestLike }
      if (operation === 'findByID' && id !== undefined && req) {
        const canonical = canonicalID(slug, id)
        if (canonical !== undefined) contexts.release(slug, canonical, req)
      }
      return result
    }
    Object.defineProperty(beforeOperation, installed, { value: true })
    Object.defineProperty(afterOperation, installed, { value: true })
    before.push(beforeOperation)
    after.push(afterOperation)
  }
}
