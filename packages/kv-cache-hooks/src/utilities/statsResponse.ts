import type { Payload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import type { KVCacheStatsResponse } from '../types.js'

/** Shared by every copy of this module in the process (Next.js bundles one per layer). */
const registry = globalThis as { [key: symbol]: WeakMap<Payload, string> | undefined }
const STARTED = Symbol.for('payload-kv-cache-hooks.started')
const started = registry[STARTED] ?? new WeakMap<Payload, string>()
registry[STARTED] = started

/** Notes when this instance's counters started (the plugin calls it from `onInit`). */
export const markStarted = (payload: Payload): void => {
  if (!started.has(payload)) started.set(payload, new Date().toISOString())
}

/** What `GET /api/kv-cache/stats` answers, and what the dashboard shows first. */
export const statsResponse = (payload: Payload): KVCacheStatsResponse => {
  markStarted(payload) // an instance whose onInit was replaced by a later plugin counts from now
  return {
    ...getCacheStats(payload),
    since: started.get(payload) as string,
    globals: payload.config.globals.map((global) => global.slug),
  }
}
