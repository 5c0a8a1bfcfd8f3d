import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types'

/**
 * What happens before each query reaches a D1 binding: it may wait (a latency model), count, or
 * throw (a failure). `sql` is the statement's text; a batch is one round trip with every
 * statement's text, `exec` one with its script.
 */
export type D1Interceptor = {
  statement(sql: string): Promise<void> | void
  batch(sqls: string[]): Promise<void> | void
  exec(sql: string): Promise<void> | void
}

/**
 * `d1` with `before` called ahead of every query: a statement's `all`, `run`, `first` or `raw`,
 * a `batch` (whose statements are handed to the real binding unwrapped), an `exec`. Everything
 * else is the real binding's own. Used by the bench's latency model and the cache's failing D1.
 */
export const interceptD1 = (d1: D1Database, before: D1Interceptor): D1Database => {
  const real = new WeakMap<object, D1PreparedStatement>()
  const sqlOf = new WeakMap<object, string>()
  const statement = (inner: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = new Proxy(inner, {
      get(target, property) {
        const value = Reflect.get(target, property, target)
        if (typeof value !== 'function') return value
        if (property === 'bind') {
          return (...args: unknown[]) => statement(value.apply(target, args), sql)
        }
        if (
          property === 'all' ||
          property === 'run' ||
          property === 'first' ||
          property === 'raw'
        ) {
          return async (...args: unknown[]) => {
            await before.statement(sql)
            return value.apply(target, args)
          }
        }
        return value.bind(target)
      },
    })
    real.set(wrapped, inner)
    sqlOf.set(wrapped, sql)
    return wrapped
  }
  return new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (property === 'prepare') return (sql: string) => statement(value.call(target, sql), sql)
      if (property === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          await before.batch(statements.map((s) => sqlOf.get(s) ?? ''))
          return value.call(
            target,
            statements.map((s) => real.get(s) ?? s),
          )
        }
      }
      if (property === 'exec') {
        return async (sql: string) => {
          await before.exec(sql)
          return value.call(target, sql)
        }
      }
      return value.bind(target)
    },
  })
}

/** Whether a statement only reads (the failures of D1's read limits apply to these). */
export const isSelect = (sql: string): boolean => /^\s*select/i.test(sql)

/**
 * D1's own error texts, from Cloudflare's documentation: the free plan's daily row limits,
 * enforced since 2026-09-01 (developers.cloudflare.com/changelog, "D1 enforces free tier daily
 * query limits"); the free plan's 50 queries an invocation (the Workers subrequest limit's text);
 * and entries of "List of D1_ERRORs" (/d1/observability/debug-d1). `syntax` is a query error.
 */
export const D1_ERRORS = {
  'row-read-limit':
    "D1_ERROR: Your account has exceeded D1's free tier daily row read limit. Upgrade to a paid plan or wait until tomorrow (midnight UTC) to continue.",
  'row-write-limit':
    "D1_ERROR: Your account has exceeded D1's free tier daily row write limit. Upgrade to a paid plan or wait until tomorrow (midnight UTC) to continue.",
  'query-limit': 'Too many API requests by single worker invocation.',
  overloaded: 'D1_ERROR: D1 DB is overloaded. Too many requests queued.',
  network: 'D1_ERROR: Network connection lost.',
  timeout: 'D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.',
  syntax: 'D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR',
} as const
