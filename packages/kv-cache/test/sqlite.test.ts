import { cacheSuite } from './suites/cacheSuite.js'
import { dependencyScenarios } from './suites/dependencyScenarios.js'

cacheSuite('sqlite')
dependencyScenarios('sqlite')
