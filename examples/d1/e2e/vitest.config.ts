// The browser tests of the built app (`pnpm e2e`), a vitest config of their own so the root
// `pnpm test` never picks them up. `support/server.ts` starts the built worker in workerd on a
// fresh local D1 and KV once for all files, and stops it afterwards.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'e2e',
    root: path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/support/server.ts'],
    // One app, one browser at a time: the tests share the database and the cache's counters.
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
})
