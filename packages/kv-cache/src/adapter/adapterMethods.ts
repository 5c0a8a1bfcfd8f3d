import type { BaseDatabaseAdapter } from 'payload'

/**
 * How the cache treats one member of a Payload database adapter.
 *
 * - `read`: served from the cache when it is safe to do so.
 * - `write`: passed through, then invalidates what it changed (after commit when in a transaction).
 * - `transaction`: passed through; commit applies the invalidations its writes collected.
 * - `migration`: passed through; changes the database wholesale, so the cache is flushed after it.
 * - `lifecycle`: passed through; `destroy` first lets background KV writes land and stops their
 *   retries, `init` re-reads the (hot-reloaded) config, `connect` resumes the writes (hot reload
 *   runs destroy, init, connect on one adapter).
 * - `passthrough`: not touched (schema and plain properties).
 */
export type MethodKind =
  | 'lifecycle'
  | 'migration'
  | 'passthrough'
  | 'read'
  | 'transaction'
  | 'write'

/** What a read returns data about: a collection's documents, its versions, or a global. */
export type ReadTarget = 'collection' | 'collectionVersions' | 'global' | 'globalVersions'

export type MethodSpec =
  | { kind: 'lifecycle' | 'migration' | 'passthrough' | 'transaction' }
  | { kind: 'read'; target: ReadTarget }
  | { kind: 'write'; target: 'collection' | 'global' | 'jobs'; deletes?: true; versions?: true }

/**
 * Every member of Payload's `BaseDatabaseAdapter`, classified. The wrapper's method table is
 * built from this map alone; a test fails when the installed Payload adds a member it lacks.
 */
export const adapterMethods = {
  // reads
  count: { kind: 'read', target: 'collection' },
  countGlobalVersions: { kind: 'read', target: 'globalVersions' },
  countVersions: { kind: 'read', target: 'collectionVersions' },
  find: { kind: 'read', target: 'collection' },
  findDistinct: { kind: 'read', target: 'collection' },
  findGlobal: { kind: 'read', target: 'global' },
  findGlobalVersions: { kind: 'read', target: 'globalVersions' },
  findOne: { kind: 'read', target: 'collection' },
  findVersions: { kind: 'read', target: 'collectionVersions' },
  queryDrafts: { kind: 'read', target: 'collectionVersions' },

  // writes
  create: { kind: 'write', target: 'collection' },
  createGlobal: { kind: 'write', target: 'global' },
  createGlobalVersion: { kind: 'write', target: 'global', versions: true },
  createVersion: { kind: 'write', target: 'collection', versions: true },
  deleteMany: { kind: 'write', target: 'collection', deletes: true },
  deleteOne: { kind: 'write', target: 'collection', deletes: true },
  deleteVersions: { kind: 'write', target: 'collection', versions: true },
  updateGlobal: { kind: 'write', target: 'global' },
  updateGlobalVersion: { kind: 'write', target: 'global', versions: true },
  updateJobs: { kind: 'write', target: 'jobs' },
  updateMany: { kind: 'write', target: 'collection' },
  updateOne: { kind: 'write', target: 'collection' },
  updateVersion: { kind: 'write', target: 'collection', versions: true },
  upsert: { kind: 'write', target: 'collection' },

  // transactions
  beginTransaction: { kind: 'transaction' },
  commitTransaction: { kind: 'transaction' },
  rollbackTransaction: { kind: 'transaction' },
  sessions: { kind: 'passthrough' },

  // migrations rewrite tables behind the adapter's back
  migrate: { kind: 'migration' },
  migrateDown: { kind: 'migration' },
  migrateFresh: { kind: 'migration' },
  migrateRefresh: { kind: 'migration' },
  migrateReset: { kind: 'migration' },

  // lifecycle: background KV writes end with the adapter and resume with it
  connect: { kind: 'lifecycle' },
  destroy: { kind: 'lifecycle' },
  init: { kind: 'lifecycle' },

  // schema and properties
  allowIDOnCreate: { kind: 'passthrough' },
  bulkOperationsSingleTransaction: { kind: 'passthrough' },
  createMigration: { kind: 'passthrough' },
  defaultIDType: { kind: 'passthrough' },
  generateSchema: { kind: 'passthrough' },
  migrateStatus: { kind: 'passthrough' },
  migrationDir: { kind: 'passthrough' },
  name: { kind: 'passthrough' },
  packageName: { kind: 'passthrough' },
  payload: { kind: 'passthrough' },
} as const satisfies Record<keyof BaseDatabaseAdapter, MethodSpec>

export type AdapterMethodName = keyof typeof adapterMethods

export type ReadMethodName = {
  [K in AdapterMethodName]: (typeof adapterMethods)[K] extends { kind: 'read' } ? K : never
}[AdapterMethodName]

export type WriteMethodName = {
  [K in AdapterMethodName]: (typeof adapterMethods)[K] extends { kind: 'write' } ? K : never
}[AdapterMethodName]

export const methodSpec = (name: PropertyKey): MethodSpec | undefined =>
  typeof name === 'string' && Object.hasOwn(adapterMethods, name)
    ? (adapterMethods as Record<string, MethodSpec>)[name]
    : undefined
