/**
 * The request's `context` for reads Payload makes without it.
 *
 * Payload's `findByID` calls the adapter's `findOne` with `req: { transactionID }` only, so neither
 * `context.kvCache` nor the context a custom `key` partitions by, nor `req.user`, reaches the cache
 * for the most common read of all (`GET /api/posts/:id`, JWT auth, every `payload.findByID`). The
 * cache therefore adds hooks to every cached collection: `beforeOperation` notes a *claim* of each
 * `findByID` on the document it asks for; `afterOperation` (the operation ended) and `afterError`
 * (a REST or GraphQL request failed: access denied, not found, a hook that threw) withdraw it.
 *
 * Nothing in the `findOne` call says which claim is its own, so a claim is never handed to a read:
 * a `findOne` of a claimed document is handled the way *every* live claim on it says, when they
 * all agree on everything that changes how the read is handled (its `context.kvCache`, whether a
 * user is logged in, the custom key's partition). When they do not (an anonymous and a logged-in
 * read at once), or no claim is live (a direct `payload.db.findOne` without `req`, or a findByID
 * whose claim ran out), the read cannot tell whose it is and bypasses the cache. So a claim left
 * behind by an operation that failed where no hook sees it (the Local API) can only make reads of
 * that document bypass until it runs out; it can never make a logged-in user's read a cached one.
 */
export type RequestLike = { context?: Record<string, unknown>; user?: unknown }

type Claim = { req: RequestLike; expires: number }

/**
 * How long a claim lives when no hook withdraws it: far longer than a findByID takes between its
 * `beforeOperation` and its `findOne` (access rules, join sanitising), and than a Worker's request
 * usually lives. Meanwhile it can only make reads of that document bypass.
 */
const CLAIM_MS = 30_000

/** Claims made between two sweeps of the ones that ran out (so that they cannot pile up). */
const SWEEP_EVERY = 256

export class RequestClaims {
  readonly #claims = new Map<string, Set<Claim>>()
  #sinceSweep = 0
  /** The documents each request claims, for withdrawing them all when its operation fails. */
  readonly #byRequest = new WeakMap<RequestLike, Set<string>>()

  #key(slug: string, id: string): string {
    return `${slug}\u0000${id}`
  }

  /** Documents with live claims (bounded: claims run out, and are swept). */
  get size(): number {
    return this.#claims.size
  }

  claim(slug: string, id: string, req: RequestLike, now = Date.now()): void {
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(now)
    const key = this.#key(slug, id)
    let claims = this.#claims.get(key)
    if (!claims) {
      claims = new Set()
      this.#claims.set(key, claims)
    }
    for (const claim of claims) if (claim.expires <= now) claims.delete(claim)
    claims.add({ req, expires: now + CLAIM_MS })
    let keys = this.#byRequest.get(req)
    if (!keys) {
      keys = new Set()
      this.#byRequest.set(req, keys)
    }
    keys.add(key)
  }

  /** Drops every claim that ran out (a Local API findByID that threw leaves its claim behind). */
  #sweep(now: number): void {
    this.#sinceSweep = 0
    for (const [key, claims] of this.#claims) {
      for (const claim of claims) if (claim.expires <= now) claims.delete(claim)
      if (!claims.size) this.#claims.delete(key)
    }
  }

  /** Withdraws the oldest claim of `req` on this document (its findByID ended). */
  release(slug: string, id: string, req: RequestLike): void {
    this.#withdraw(this.#key(slug, id), req, true)
  }

  /** Withdraws every claim of `req` (its request failed). */
  releaseAll(req: RequestLike): void {
    const keys = this.#byRequest.get(req)
    if (!keys) return
    this.#byRequest.delete(req)
    for (const key of keys) this.#withdraw(key, req, false)
  }

  #withdraw(key: string, req: RequestLike, one: boolean): void {
    const claims = this.#claims.get(key)
    if (!claims) return
    for (const claim of claims) {
      if (claim.req !== req) continue
      claims.delete(claim)
      if (one) break
    }
    if (!claims.size) this.#claims.delete(key)
    let more = false
    for (const claim of claims) more ||= claim.req === req
    if (!more) this.#byRequest.get(req)?.delete(key)
  }

  /** The requests whose `findByID` of this document is under way. */
  requests(slug: string, id: string, now = Date.now()): RequestLike[] {
    const key = this.#key(slug, id)
    const claims = this.#claims.get(key)
    if (!claims) return []
    const out: RequestLike[] = []
    for (const claim of claims) {
      if (claim.expires <= now) claims.delete(claim)
      else out.push(claim.req)
    }
    if (!claims.size) this.#claims.delete(key)
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
export const installClaimHooks = (
  collections: readonly CollectionLike[],
  cached: ReadonlySet<string>,
  claims: RequestClaims,
  canonicalID: (slug: string, id: unknown) => string | undefined,
): void => {
  for (const collection of collections) {
    if (!cached.has(collection.slug)) continue
    collection.hooks ??= {}
    const hooks = collection.hooks
    hooks.beforeOperation ??= []
    hooks.afterOperation ??= []
    hooks.afterError ??= []
    const before = hooks.beforeOperation
    const after = hooks.afterOperation
    const failed = hooks.afterError
    if (before.some((hook) => installed in hook)) continue
    const slug = collection.slug
    const beforeOperation: Hook = ({ args, operation }) => {
      const { id, req } = (args ?? {}) as { id?: unknown; req?: RequestLike }
      if (operation === 'read' && id !== undefined && req) {
        const canonical = canonicalID(slug, id)
        if (canonical !== undefined) claims.claim(slug, canonical, req)
      }
      return args
    }
    const afterOperation: Hook = ({ args, operation, result }) => {
      const { id, req } = (args ?? {}) as { id?: unknown; req?: RequestLike }
      if (operation === 'findByID' && id !== undefined && req) {
        const canonical = canonicalID(slug, id)
        if (canonical !== undefined) claims.release(slug, canonical, req)
      }
      return result
    }
    // REST and GraphQL requests that fail (access denied, not found, a hook that threw) end here.
    const afterError: Hook = ({ req }) => {
      if (req && typeof req === 'object') claims.releaseAll(req as RequestLike)
      return undefined
    }
    for (const hook of [beforeOperation, afterOperation, afterError]) {
      Object.defineProperty(hook, installed, { value: true })
    }
    before.push(beforeOperation)
    after.push(afterOperation)
    failed.push(afterError)
  }
}
