import { cacheSuite } from './suites/cacheSuite.js'
import { dependencyScenarios } from './suites/dependencyScenarios.js'
import { exactAnswers } from './suites/exactAnswers.js'

cacheSuite('d1')
dependencyScenarios('d1')
exactAnswers('d1')
