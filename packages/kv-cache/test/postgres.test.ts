import { describe } from 'vitest'
import { hasPostgres } from './fixtures/databases.js'
import { cacheSuite } from './suites/cacheSuite.js'
import { dependencyScenarios } from './suites/dependencyScenarios.js'
import { exactAnswers } from './suites/exactAnswers.js'

describe.skipIf(!hasPostgres())('PostgreSQL (DATABASE_URL)', () => {
  cacheSuite('postgres')
  dependencyScenarios('postgres')
  dependencyScenarios('postgres', 'uuid')
  exactAnswers('postgres')
})
