import { cacheSuite } from './suites/cacheSuite.js'
import { dependencyScenarios } from './suites/dependencyScenarios.js'

cacheSuite('d1')
dependencyScenarios('d1')
