import { sqliteAdapter } from '@payloadcms/db-sqlite'
import type { Plugin } from 'payload'
import { createDatabase } from 'payload-kv-cache-test-fixtures/databases'
import { startPayload, type TestPayload, type Wrap } from 'payload-kv-cache-test-fixtures/payload'

/**
 * Payload on a fresh sqlite database with transactions on. The fixtures' sqlite has none
 * (Payload's default); `transactionOptions: {}` turns them on.
 */
export const startTransactionalSqlite = async (
  wrap: Wrap,
  plugins: Plugin[],
): Promise<TestPayload> => {
  const database = await createDatabase('sqlite')
  const adapter = sqliteAdapter({
    client: { url: database.location },
    busyTimeout: 5000,
    transactionOptions: {},
  })
  const started = await startPayload({
    kind: 'sqlite',
    database,
    wrap: (_attach, kv) => wrap(adapter, kv),
    plugins,
  })
  return {
    ...started,
    cleanup: async () => {
      await started.cleanup()
      ;(started.payload.db as unknown as { client?: { close(): void } }).client?.close()
      await database.cleanup()
    },
  }
}
