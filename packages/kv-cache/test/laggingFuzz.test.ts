import { hasPostgresReplica } from 'payload-kv-cache-test-fixtures/laggingDatabases'
import { describe } from 'vitest'
import { laggingFuzzSuite } from './suites/fuzz/laggingSuite.js'

// Sized for CI: about a minute each on 2 cores. FUZZ_STEPS and FUZZ_SEED to go further.
laggingFuzzSuite('sqlite', { steps: 40, seed: 1 })
laggingFuzzSuite('d1', { steps: 20, seed: 2, pool: 10 })
describe.skipIf(!hasPostgresReplica())('PostgreSQL replica (DATABASE_REPLICA_URL)', () => {
  laggingFuzzSuite('postgres', { steps: 30, seed: 3 })
})
