import type { KVNamespace } from '@cloudflare/workers-types'

export type KVCalls = {
  read: number
  write: number
  delete: number
  list: number
  /** Keys read: a bulk get of N keys is one call but is billed as N reads. */
  readKeys: number
}

/**
 * A KV binding that counts the calls reaching it, by Cloudflare's billing type. The demo checks
 * the cache's own statistics against it: two independent counts of the same operations.
 */
export const countingKV = (kv: KVNamespace): { binding: KVNamespace; calls: KVCalls } => {
  const calls: KVCalls = { read: 0, write: 0, delete: 0, list: 0, readKeys: 0 }
  const binding = {
    get: (key: string | string[], options?: unknown) => {
      calls.read++
      calls.readKeys += Array.isArray(key) ? key.length : 1
      return (kv.get as (...args: unknown[]) => unknown)(key, options)
    },
    getWithMetadata: (key: string | string[], options?: unknown) => {
      calls.read++
      calls.readKeys += Array.isArray(key) ? key.length : 1
      return (kv.getWithMetadata as (...args: unknown[]) => unknown)(key, options)
    },
    put: (...args: Parameters<KVNamespace['put']>) => {
      calls.write++
      return kv.put(...args)
    },
    delete: (...args: Parameters<KVNamespace['delete']>) => {
      calls.delete++
      return kv.delete(...args)
    },
    list: (...args: Parameters<KVNamespace['list']>) => {
      calls.list++
      return kv.list(...args)
    },
  }
  return { binding: binding as unknown as KVNamespace, calls }
}
