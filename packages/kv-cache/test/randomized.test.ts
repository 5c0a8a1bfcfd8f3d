import { hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { describe } from 'vitest'
import { randomizedSuite } from './suites/randomized.js'

randomizedSuite('sqlite', 150)
randomizedSuite('d1', 40)
describe.skipIf(!hasPostgres())('PostgreSQL (DATABASE_URL)', () => randomizedSuite('postgres', 80))
