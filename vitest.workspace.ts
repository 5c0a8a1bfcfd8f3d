import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineProject } from 'vitest/config'

/**
 * The one list of test projects, used by `vitest.config.ts`.
 *
 * - `node`: integration tests in Node against real Payload on sqlite, PostgreSQL (`DATABASE_URL`,
 *   started by `scripts/with-postgres.mjs`) and D1 + KV through Miniflare.
 * - `workers`: tests that run inside workerd with a real KV binding, so the core is proven to need
 *   no Node-only API beyond `nodejs_compat`.
 */
export default [
  defineProject({
    test: {
      name: 'node',
      environment: 'node',
      include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '*/*/test/workers/**'],
      env: {
        // db-d1-sqlite 3.87.1 sits beside payload 3.90.2 on purpose (the newest D1 adapter);
        // Payload's version check would report that as an unhandled rejection in every test.
        PAYLOAD_DISABLE_DEPENDENCY_CHECKER: 'true',
        // Tests create fresh databases with the same collections in one process; without this,
        // Payload skips the schema push after the first and the fresh database has no tables.
        PAYLOAD_FORCE_DRIZZLE_PUSH: 'true',
      },
      // Booting Payload and pushing a schema takes seconds, more on a busy 2-core machine.
      testTimeout: 180_000,
      hookTimeout: 300_000,
    },
  }),
  defineProject({
    root: 'packages/kv-cache',
    plugins: [
      cloudflareTest({
        miniflare: {
          compatibilityDate: '2026-08-22',
          // The core uses AsyncLocalStorage from 'node:async_hooks'.
          compatibilityFlags: ['nodejs_compat'],
          kvNamespaces: ['CACHE'],
          // A D1 primary and a database standing for its read replica (the lagging D1 double).
          d1Databases: ['D1', 'D1_REPLICA'],
        },
      }),
    ],
    test: {
      name: 'workers',
      include: ['test/workers/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  }),
]
