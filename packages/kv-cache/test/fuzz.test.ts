import { hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { describe } from 'vitest'
import { fuzzSuite } from './suites/fuzz/suite.js'

fuzzSuite('sqlite', { steps: 300, seed: 1 })
fuzzSuite('d1', { steps: 60, seed: 2 })
describe.skipIf(!hasPostgres())('PostgreSQL (DATABASE_URL)', () => {
  fuzzSuite('postgres', { steps: 200, seed: 3 })
  fuzzSuite('postgres', { steps: 200, seed: 4, idType: 'uuid' })
})
