import type { Admission } from '../admission.js'
import type { CacheEvent } from '../types.js'
import { debugLine } from './debugLine.js'
import type { StatsRecorder } from './stats.js'

export type Log = (level: 'error' | 'info' | 'warn', message: string) => void

export type Emitter = {
  emit(event: CacheEvent): void
  /** Adds a consumer (the hooks plugin's page-cache revalidation); returns its removal. */
  subscribe(listener: (event: CacheEvent) => void): () => void
}

/**
 * The one source of cache events and its consumers: statistics, the KV write budget, the `debug`
 * log, the user's `onEvent` and subscribers (none of which may break a read).
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
}): Emitter => {
  const listeners = new Set<(event: CacheEvent) => void>()
  const emit = (event: CacheEvent) => {
    stats.record(event)
    admission.record(event, Date.now())
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
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // Nor may a subscriber.
      }
    }
  }
  return {
    emit,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
