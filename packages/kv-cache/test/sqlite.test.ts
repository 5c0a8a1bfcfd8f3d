import { cacheSuite } from './suites/cacheSuite.js'
import { dependencyScenarios } from './suites/dependencyScenarios.js'
import { exactAnswers } from './suites/exactAnswers.js'

cacheSuite('sqlite')
dependencyScenarios('sqlite')
exactAnswers('sqlite')
