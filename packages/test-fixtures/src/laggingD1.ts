import type { D1Database, D1DatabaseSession, D1PreparedStatement } from '@cloudflare/workers-types'

/**
 * A lagging double of a D1 binding with read replication on, where the real thing cannot run (D1
 * replicates only in Cloudflare's network). Two databases stand for D1's primary and one read
 * replica; every write runs on the primary and is logged, and the replica replays the log
 * `plan.lagMs` after each write (or only on `catchUp()`, with `Infinity`). Reads follow the
 * Sessions API (developers.cloudflare.com/d1/best-practices/read-replication/):
 * - the binding itself (no session) reads and writes the primary;
 * - `withSession('first-primary')`: the first query reads the primary, later ones any instance at
 *   least as far as the session's bookmark;
 * - `withSession('first-unconstrained')` (the default): the replica as it is;
 * - `withSession(bookmark)`: an instance at least as far as the bookmark;
 * - a session reads the replica when it has replayed the session's bookmark, else the primary (as
 *   D1 routes a query the replica cannot serve yet), and writes go to the primary; `getBookmark()`
 *   is the position of the last query's instance (`null` before the first).
 * Bookmarks are shaped as D1's (`00000000-0000002a-00000000-<32 zeros>`) and sort as strings.
 *
 * Plain TypeScript over `D1Database`, so it runs in Node (over Miniflare's D1 or `sqliteD1`) and
 * inside workerd (over `env.D1` and a second D1 database): the bench's production model uses it.
 */
export type LaggingD1Plan = {
  /** Milliseconds after a write before the replica has it; `Infinity`: only on `catchUp()`. */
  lagMs: number
  /**
   * The database the replication itself writes to (the log's replay and `baseBackup`), when the
   * replica given for reads is wrapped (the bench's latency model counts and delays every query
   * the adapter makes; replication is not one of them). Default: the replica.
   */
  replication?: D1Database
}

export type LaggingD1 = {
  /** The binding with read replication on: `withSession`, and the binding's own calls. */
  binding: D1Database
  /** Read on every call: change `lagMs` midway. */
  plan: LaggingD1Plan
  /** Applies every logged write to the replica now. */
  catchUp(): Promise<void>
  /**
   * Copies the primary's schema and rows to the replica (replacing the rows it had), as
   * `pg_basebackup` does, for a primary filled behind the double's back (the bench seeds D1 from
   * Node). The replica's tables, if any, must have the primary's schema.
   */
  baseBackup(): Promise<void>
  /** Writes logged on the primary, and how many of them the replica has replayed. */
  readonly position: { written: number; applied: number }
  /** Queries by instance: what the replica spared the primary. */
  readonly counts: { primaryReads: number; replicaReads: number; writes: number }
}

type Statement = { sql: string; params: unknown[] }
type Entry = { at: number; statements: Statement[] } | { at: number; exec: string }
type Method = 'all' | 'run' | 'raw' | 'first'
type Run = { method: Method; options?: unknown }

const bookmarkOf = (position: number): string =>
  `00000000-${position.toString(16).padStart(8, '0')}-00000000-${'0'.repeat(32)}`

const positionOf = (bookmark: string): number => {
  const match = /^[0-9a-f]{8}-([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{32}$/.exec(bookmark)
  if (!match) throw new Error(`D1_ERROR: invalid bookmark ${JSON.stringify(bookmark)}`)
  return Number.parseInt(match[1] as string, 16)
}

/** Reads are what only looks: everything else (writes, DDL, pragmas) runs on the primary, logged. */
const isRead = (sql: string): boolean =>
  /^\s*(select|with)\b/i.test(sql) && !/\b(insert|update|delete|replace)\b/i.test(sql)

const STATEMENT = Symbol('laggingD1 statement')
type Deferred = D1PreparedStatement & { [STATEMENT]: Statement }

const statementOf = (value: D1PreparedStatement): Statement => (value as Deferred)[STATEMENT]

/** `tables` ordered so that a table comes before every table its foreign keys point to. */
const childrenFirst = async (database: D1Database, tables: string[]): Promise<string[]> => {
  const names = new Set(
    (
      (await database
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
        )
        .all()) as { results: Array<{ name: string }> }
    ).results
      .map((row) => row.name)
      .filter((name) => tables.includes(name)),
  )
  const parents = new Map<string, Set<string>>()
  for (const name of names) {
    const keys = (await database.prepare(`PRAGMA foreign_key_list("${name}")`).all()) as {
      results: Array<{ table: string }>
    }
    parents.set(name, new Set(keys.results.map((k) => k.table).filter((t) => t !== name)))
  }
  const order: string[] = []
  const left = new Set(names)
  while (left.size) {
    // A table no remaining table points to; with a cycle, any.
    const next =
      [...left].find((name) => ![...left].some((other) => parents.get(other)?.has(name))) ??
      ([...left][0] as string)
    order.push(next)
    left.delete(next)
  }
  return order
}

export function laggingD1(
  primary: D1Database,
  replicaForReads: D1Database,
  plan: LaggingD1Plan = { lagMs: 0 },
): LaggingD1 {
  const log: Entry[] = []
  const position = { written: 0, applied: 0 }
  const counts = { primaryReads: 0, replicaReads: 0, writes: 0 }
  /** Writes run one at a time, so the log is in the primary's order. */
  let writing: Promise<unknown> = Promise.resolve()
  let applying: Promise<void> = Promise.resolve()

  const on = (database: D1Database, statement: Statement) =>
    database.prepare(statement.sql).bind(...statement.params)

  const runOne = (database: D1Database, statement: Statement, run: Run): Promise<unknown> => {
    const prepared = on(database, statement)
    switch (run.method) {
      case 'all':
        return prepared.all()
      case 'run':
        return prepared.run()
      case 'raw':
        return prepared.raw(run.options as never)
      case 'first':
        return run.options === undefined ? prepared.first() : prepared.first(run.options as string)
    }
  }

  /** Replays what is due on the replica (everything with `force`), in order, one at a time. */
  const apply = (force: boolean): Promise<void> => {
    applying = applying.then(async () => {
      const now = Date.now()
      while (position.applied < log.length) {
        const entry = log[position.applied] as Entry
        if (!force && entry.at + plan.lagMs > now) break
        const target = plan.replication ?? replicaForReads
        if ('exec' in entry) await target.exec(entry.exec)
        else await target.batch(entry.statements.map((s) => on(target, s)))
        position.applied++
      }
    })
    return applying
  }

  /** A write on the primary, logged; its position. */
  const write = <T>(entry: Omit<Entry, 'at'>, run: () => Promise<T>): Promise<[T, number]> => {
    const next = writing.then(async (): Promise<[T, number]> => {
      const result = await run()
      log.push({ ...entry, at: Date.now() } as Entry)
      position.written = log.length
      counts.writes++
      return [result, position.written]
    })
    writing = next.catch(() => undefined)
    return next
  }

  type Session = { bookmark: number | null; constraint: string }

  /** Runs statements for a session (or, with none, on the primary) and moves its bookmark. */
  const execute = async (
    session: Session | undefined,
    statements: Statement[],
    run: (database: D1Database) => Promise<unknown>,
  ): Promise<unknown> => {
    if (!statements.every((s) => isRead(s.sql))) {
      const [result, at] = await write({ statements }, () => run(primary))
      if (session) session.bookmark = Math.max(session.bookmark ?? 0, at)
      return result
    }
    const required =
      session === undefined
        ? undefined
        : (session.bookmark ??
          (session.constraint === 'first-primary'
            ? undefined
            : session.constraint === 'first-unconstrained'
              ? 0
              : positionOf(session.constraint)))
    if (required !== undefined) {
      await apply(false)
      if (position.applied >= required) {
        counts.replicaReads++
        const result = await run(replicaForReads)
        if (session) session.bookmark = Math.max(required, position.applied)
        return result
      }
    }
    counts.primaryReads++
    await writing
    const result = await run(primary)
    if (session) session.bookmark = Math.max(session.bookmark ?? 0, position.written)
    return result
  }

  const statement = (session: Session | undefined, sql: string, params: unknown[]): Deferred =>
    ({
      [STATEMENT]: { sql, params },
      bind: (...values: unknown[]) => statement(session, sql, values),
      all: () =>
        execute(session, [{ sql, params }], (db) => runOne(db, { sql, params }, { method: 'all' })),
      run: () =>
        execute(session, [{ sql, params }], (db) => runOne(db, { sql, params }, { method: 'run' })),
      raw: (options?: unknown) =>
        execute(session, [{ sql, params }], (db) =>
          runOne(db, { sql, params }, { method: 'raw', options }),
        ),
      first: (column?: string) =>
        execute(session, [{ sql, params }], (db) =>
          runOne(db, { sql, params }, { method: 'first', options: column }),
        ),
    }) as unknown as Deferred

  const batch = (session: Session | undefined, statements: D1PreparedStatement[]) => {
    const list = statements.map(statementOf)
    return execute(session, list, (db) => db.batch(list.map((s) => on(db, s))))
  }

  const withSession = (constraint = 'first-unconstrained'): D1DatabaseSession => {
    if (!constraint.startsWith('first-')) positionOf(constraint)
    const session: Session = { bookmark: null, constraint }
    return {
      prepare: (sql: string) => statement(session, sql, []),
      batch: (statements: D1PreparedStatement[]) => batch(session, statements),
      getBookmark: () => (session.bookmark === null ? null : bookmarkOf(session.bookmark)),
    } as unknown as D1DatabaseSession
  }

  const binding = {
    prepare: (sql: string) => statement(undefined, sql, []),
    batch: (statements: D1PreparedStatement[]) => batch(undefined, statements),
    exec: async (sql: string) => (await write({ exec: sql }, () => primary.exec(sql)))[0],
    withSession,
    dump: () => Promise.reject(new Error('laggingD1: dump is not supported')),
  } as unknown as D1Database

  const schemaOf = async (database: D1Database) =>
    (
      (await database
        .prepare(
          "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END",
        )
        .all()) as { results: Array<{ type: string; name: string; sql: string }> }
    ).results

  const baseBackup = async () => {
    const replica = plan.replication ?? replicaForReads
    const objects = { results: await schemaOf(primary) }
    const present = new Set((await schemaOf(replica)).map((o) => o.name))
    // One transaction: foreign keys are checked at its end, once every row is there. Tables the
    // replica has keep their schema and lose their rows, children first (D1 cannot turn foreign
    // keys off, and a parent's row deleted first would null or delete its children's references);
    // the others are created.
    const copy: D1PreparedStatement[] = [replica.prepare('PRAGMA defer_foreign_keys = on')]
    for (const name of await childrenFirst(replica, [...present])) {
      copy.push(replica.prepare(`DELETE FROM "${name}"`))
    }
    for (const object of objects.results) {
      if (!present.has(object.name)) copy.push(replica.prepare(object.sql))
    }
    for (const object of objects.results.filter((o) => o.type === 'table')) {
      const rows = (await primary.prepare(`SELECT * FROM "${object.name}"`).all()) as {
        results: Array<Record<string, unknown>>
      }
      for (const row of rows.results) {
        const columns = Object.keys(row)
        copy.push(
          replica
            .prepare(
              `INSERT INTO "${object.name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
            )
            .bind(...columns.map((c) => row[c])),
        )
      }
    }
    await replica.batch(copy)
    log.length = 0
    position.written = 0
    position.applied = 0
  }

  return {
    binding,
    plan,
    catchUp: () => apply(true),
    baseBackup,
    position,
    counts,
  }
}
