import type { Admission } from '../admission.js'
import type { CacheEvent } from '../types.js'
import { debugLine } from './debugLine.js'
import type { StatsRecorder } from './stats.js'

export type Log = (level: 'error' | 'info' | 'warn', message: string) => void

/**
 * The one source of cache events and its consumers: statistics, the KV write budget, the `debug`
 * log and the user's `onEvent` (which must never break a read).
 */
export const createEmitter = ({
  stats,
  admission,
  debug,
  onEvent,
  log,
}: {
  stats: StatsRecorder
  admission: Admission
  debug: boolean
  onEvent: ((event: CacheEvent) => void) | undefined
  log: Log
}): ((event: CacheEvent) => void) => {
  return (event) => {
    stats.record(event)
    if (event.type === 'kv' && event.op === 'write' && event.ok) admission.wrote(Date.now())
    if (debug) {
      const line = debugLine(event)
      if (line) log('info', line)
    }
    if (onEvent) {
      try {
        onEvent(event)
      } catch {
        // A metrics sink must never break a read.
      }
    }
  }
}
