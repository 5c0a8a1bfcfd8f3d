import { d1Position } from '../storage/tokenValues.js'
import type { FreshRead, FreshSource } from './freshSource.js'
import type { Requirement } from './requirement.js'

/**
 * D1 read replication, through D1's own Sessions API. A replica "may be arbitrarily out of date";
 * a session is sequentially consistent, and a session started from a bookmark sees at least what
 * the session that produced it saw (developers.cloudflare.com/d1/best-practices/read-replication/).
 *
 * `@payloadcms/db-d1-sqlite` with `readReplicas: 'first-primary'` opens one session per isolate in
 * `connect()` (`binding.withSession('first-primary')`): the isolate reads its own writes, and
 * nothing makes it read another isolate's. So the cache gives the adapter, in place of that
 * session, one of its own that it can move forward:
 * - a write records this isolate's furthest bookmark (taken after the write's queries returned)
 *   in the tokens it replaces;
 * - a fill under tokens carrying a bookmark the session has not reached first moves the session:
 *   a new D1 session from that bookmark (a replica that has caught up, or the primary);
 * - a fill under tokens written without a bookmark (another topology, an older version) moves it
 *   to a new `first-primary` session, once per such token value;
 * - every statement runs on a session at least as far as anything this isolate has seen, so the
 *   isolate keeps reading its own writes whichever session a statement lands on.
 *
 * A binding that is itself a session (`withSession()` called by the app) cannot be moved: a fill
 * is stored only when that session has already reached the tokens' bookmark.
 */

type D1Statement = {
  bind(...values: unknown[]): D1Statement
  all(): Promise<unknown>
  run(): Promise<unknown>
  raw(options?: unknown): Promise<unknown>
  first(column?: string): Promise<unknown>
}
type D1Session = {
  prepare(sql: string): D1Statement
  batch(statements: D1Statement[]): Promise<unknown>
  getBookmark(): string | null
}
type D1Binding = {
  prepare(sql: string): D1Statement
  withSession(constraint?: string): D1Session
}

/** Whether `value` is a D1 binding whose sessions can be started from a bookmark. */
export const isD1Binding = (value: unknown): value is D1Binding =>
  typeof (value as D1Binding | undefined)?.withSession === 'function' &&
  typeof (value as D1Binding).prepare === 'function'

/** Whether `value` is a D1 session (a binding the app already called `withSession()` on). */
export const isD1Session = (value: unknown): value is D1Session =>
  typeof (value as D1Session | undefined)?.getBookmark === 'function' &&
  typeof (value as D1Session).prepare === 'function' &&
  !isD1Binding(value)

/** One session of this isolate, and how far it is known to be. */
type Lineage = {
  session: D1Session
  /** The furthest bookmark it is known to be at: where it started, or what it returned since. */
  floor: string
  /** A `first-primary` session before its first query has returned: it will read the primary. */
  primaryFirst: boolean
}

/** The further of two bookmarks (they sort as strings). */
const furthest = (a: string, b: string): string => (a < b ? b : a)

/** Token values without a bookmark that this isolate's session is known to have passed. */
const COVERED_MAX = 1_000

const STATEMENT = Symbol('payload-kv-cache D1 statement')
type Deferred = D1Statement & { [STATEMENT]: { sql: string; params: unknown[] } }

export class D1Sessions implements FreshSource {
  readonly positionKind = 'd1' as const
  readonly #adapter: { binding?: unknown }
  /** The binding whose sessions this isolate moves; unset when the app gave a session. */
  #binding: D1Binding | undefined
  /** A session given as the binding: it can be compared, never moved. */
  readonly #pinned: D1Session | undefined
  #constraint = 'first-primary'
  #current: Lineage | undefined
  /** The furthest bookmark any query of this isolate returned. */
  #seen = ''
  readonly #covered = new Set<string>()

  constructor(adapter: { binding?: unknown }) {
    this.#adapter = adapter
    if (isD1Session(adapter.binding)) this.#pinned = adapter.binding
  }

  /**
   * Before the adapter's `connect` opens its session: the binding it opens it on answers with the
   * cache's session. Hot reload reconnects through the same binding.
   */
  connecting(): void {
    const binding = this.#adapter.binding
    if (this.#pinned || !isD1Binding(binding) || binding === this.#facadeBinding) return
    this.#binding = binding
    this.#facadeBinding = new Proxy(binding, {
      get: (target, property) => {
        if (property !== 'withSession') {
          // workerd's D1Database keeps its state on itself: its methods run on it, not the proxy.
          const value = Reflect.get(target, property, target)
          return typeof value === 'function' ? value.bind(target) : value
        }
        return (constraint?: string) => {
          this.#constraint = constraint ?? 'first-unconstrained'
          this.#current = undefined
          return this.#facade
        }
      },
    })
    this.#adapter.binding = this.#facadeBinding
  }

  #facadeBinding: D1Binding | undefined

  /** The session the adapter holds: each statement runs on this isolate's current session. */
  readonly #facade: D1Session = {
    prepare: (sql) => this.#statement(sql, []),
    batch: (statements) =>
      this.#run((session) =>
        session.batch(
          statements.map((s) => {
            const { sql, params } = (s as Deferred)[STATEMENT]
            return session.prepare(sql).bind(...params)
          }),
        ),
      ),
    getBookmark: () => this.#seen || null,
  }

  #statement(sql: string, params: unknown[]): Deferred {
    const on = (run: (statement: D1Statement) => Promise<unknown>) =>
      this.#run((session) => run(session.prepare(sql).bind(...params)))
    return {
      [STATEMENT]: { sql, params },
      bind: (...values) => this.#statement(sql, values),
      all: () => on((s) => s.all()),
      run: () => on((s) => s.run()),
      raw: (options) => on((s) => s.raw(options)),
      first: (column) => on((s) => (column === undefined ? s.first() : s.first(column))),
    }
  }

  #start(constraint: string): Lineage {
    const binding = this.#binding as D1Binding
    const lineage: Lineage = {
      session: binding.withSession(constraint),
      floor: constraint.startsWith('first-') ? '' : constraint,
      primaryFirst: constraint === 'first-primary',
    }
    this.#current = lineage
    return lineage
  }

  /** The session a statement runs on: never behind anything this isolate has seen. */
  #session(): Lineage {
    const current = this.#current ?? this.#start(this.#constraint)
    if (!current.primaryFirst && this.#seen > current.floor) return this.#start(this.#seen)
    return current
  }

  async #run<T>(run: (session: D1Session) => Promise<T>): Promise<T> {
    const lineage = this.#session()
    try {
      return await run(lineage.session)
    } finally {
      const bookmark = lineage.session.getBookmark()
      if (bookmark) {
        if (bookmark > this.#seen) this.#seen = bookmark
        if (bookmark > lineage.floor) lineage.floor = bookmark
        lineage.primaryFirst = false
      }
    }
  }

  async position(external: boolean): Promise<string | undefined> {
    if (this.#pinned) return external ? undefined : d1Position(this.#pinned.getBookmark())
    if (!external || !this.#binding) return d1Position(this.#seen)
    // A write made outside this adapter is in no session of ours: ask the primary where it is.
    const probe = this.#binding.withSession('first-primary')
    await probe.prepare('SELECT 1').all()
    return d1Position(probe.getBookmark())
  }

  async read(
    requirement: Requirement | undefined,
    call: () => Promise<unknown>,
  ): Promise<FreshRead> {
    if (this.#pinned) return this.#readPinned(requirement, call)
    if (!this.#binding) {
      return { result: await call(), storable: false, action: 'not-stored', layer: 'd1' }
    }
    let action: FreshRead['action']
    const unplaced = requirement ? requirement.unplaced.filter((v) => !this.#covered.has(v)) : []
    const current = this.#current
    if (!requirement || unplaced.length) {
      // Nothing says how far these writes reach: a session started now on the primary does. Always
      // a new one: one started earlier may have read the primary before these writes.
      this.#start('first-primary')
      if (this.#covered.size + unplaced.length > COVERED_MAX) this.#covered.clear()
      for (const value of unplaced) this.#covered.add(value)
      action = 'primary'
    } else if (
      requirement.position !== undefined &&
      requirement.position > (current?.floor ?? '')
    ) {
      // A session about to read the primary for the first time stays ahead of any bookmark, and
      // of the writes it was started to see: replace it only with another such session.
      if (current?.primaryFirst) {
        this.#start('first-primary')
        action = 'primary'
      } else {
        this.#start(furthest(requirement.position, this.#seen))
        action = 'bookmark'
      }
    }
    const result = await call()
    return action ? { result, storable: true, action, layer: 'd1' } : { result, storable: true }
  }

  async #readPinned(
    requirement: Requirement | undefined,
    call: () => Promise<unknown>,
  ): Promise<FreshRead> {
    const at = (this.#pinned as D1Session).getBookmark() ?? ''
    const fresh =
      requirement !== undefined &&
      requirement.unplaced.length === 0 &&
      (requirement.position === undefined || requirement.position <= at)
    const result = await call()
    return fresh
      ? { result, storable: true }
      : { result, storable: false, action: 'not-stored', layer: 'd1' }
  }
}
