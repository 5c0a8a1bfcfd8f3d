import type { CacheEvent } from '../types.js'

/** The `debug: true` consumer: one line per cache operation. */
export const debugLine = (event: CacheEvent): string | undefined => {
  switch (event.type) {
    case 'hit':
      return `kv-cache ${event.operation} ${event.slug} ${event.key} hit:${event.tier}${event.stale ? ':stale' : ''} ${event.durationMs}ms`
    case 'miss':
      // One line a read: the store or skip-size line that follows reports it, with its duration.
      return undefined
    case 'store':
      return `kv-cache ${event.operation} ${event.slug} ${event.key} miss:stored ${event.bytes}B ${event.durationMs}ms`
    case 'bypass':
      return `kv-cache ${event.operation} ${event.slug} ${event.key} bypass:${event.reason} ${event.durationMs}ms`
    case 'skip-size':
      return `kv-cache ${event.operation} ${event.slug} ${event.key} miss:too-large ${event.bytes}B ${event.durationMs}ms`
    case 'skip-round-trip':
      return `kv-cache ${event.operation} ${event.slug} ${event.key} miss:not-json ${event.durationMs}ms`
    case 'lag':
      return `kv-cache ${event.operation} ${event.slug} ${event.key} lag:${event.layer}:${event.action} ${event.durationMs}ms`
    case 'stale-if-error':
      return event.served
        ? `kv-cache ${event.operation} ${event.slug} ${event.key} stale-if-error:${event.tier} ${Math.round(event.ageMs / 1000)}s-old (${event.error}) ${event.durationMs}ms`
        : `kv-cache ${event.operation} ${event.slug} ${event.key} database-error:${event.reason} (${event.error}) ${event.durationMs}ms`
    case 'invalidate':
      return `kv-cache invalidate ${event.targets.join(' ')}`
    default:
      return undefined
  }
}
