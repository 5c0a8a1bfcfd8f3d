import { cacheSuite } from './suites/cacheSuite.js'

cacheSuite('d1')
