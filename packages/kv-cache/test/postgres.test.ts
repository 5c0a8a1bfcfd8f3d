import { hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { describe } from 'vitest'
import { cacheSuite } from './suites/cacheSuite.js'
import { dependencyScenarios } from './suites/dependencyScenarios.js'
import { exactAnswers } from './suites/exactAnswers.js'

describe.skipIf(!hasPostgres())('PostgreSQL (DATABASE_URL)', () => {
  cacheSuite('postgres')
  dependencyScenarios('postgres')
  dependencyScenarios('postgres', 'uuid')
  exactAnswers('postgres')
})
