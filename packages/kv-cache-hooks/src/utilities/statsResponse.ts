import type { Payload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import type { KVCacheStatsResponse } from '../types.js'

/** Shared by every copy of this module in the process (Next.js bundles one per layer). */
const started = ((globalThis as { [key: symbol]: unknown })[
  Symbol.for('payload-kv-cache-hooks.started')
] ??= new WeakMap<Payload, string>()) as WeakMap<Payload, string>

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
