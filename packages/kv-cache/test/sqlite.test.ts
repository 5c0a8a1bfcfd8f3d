import { cacheSuite } from './suites/cacheSuite.js'

cacheSuite('sqlite')
