import type { KVNamespace } from '@cloudflare/workers-types'
import { isTokenKey } from 'payload-kv-cache/internal'

/**
 * KV namespaces for measurements a real one would blur: an instant in-memory one, one that never
 * finds anything (every read a miss), and a counting wrapper over a real one. They implement what
 * the cache and a list-and-delete invalidation call: get (one key or an array), put, delete, list.
 */

type Loose = {
  get(key: string | string[], options?: unknown): Promise<unknown>
  put(key: string, value: string, options?: unknown): Promise<void>
  delete(key: string): Promise<void>
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{
    keys: Array<{ name: string }>
    list_complete: boolean
    cursor?: string
  }>
  getWithMetadata?(key: string, options?: unknown): Promise<unknown>
}

const asKV = (kv: Loose): KVNamespace => kv as unknown as KVNamespace

/** An instant, in-memory KV namespace (values kept; no expiry; list in key order). */
export function memoryKV(): KVNamespace {
  const store = new Map<string, string>()
  const getOne = (key: string) => store.get(key) ?? null
  return asKV({
    get: async (key) =>
      Array.isArray(key) ? new Map(key.map((k) => [k, getOne(k)])) : getOne(key),
    put: async (key, value) => {
      store.set(key, value)
    },
    delete: async (key) => {
      store.delete(key)
    },
    list: async ({ prefix = '', cursor, limit = 1000 } = {}) => {
      const names = [...store.keys()].filter((k) => k.startsWith(prefix)).sort()
      const start = cursor ? Number(cursor) : 0
      const page = names.slice(start, start + limit)
      const done = start + limit >= names.length
      return {
        keys: page.map((name) => ({ name })),
        list_complete: done,
        ...(done ? {} : { cursor: String(start + limit) }),
      }
    },
  })
}

/** An instant KV namespace that stores nothing: every get answers null, so every read is a miss. */
export function missKV(): KVNamespace {
  return asKV({
    get: async (key) => (Array.isArray(key) ? new Map(key.map((k) => [k, null])) : null),
    put: async () => {},
    delete: async () => {},
    list: async () => ({ keys: [], list_complete: true }),
  })
}

export type KVCounts = {
  /** Read operations; a bulk get of many keys counts once, as it does against Workers' limit. */
  get: number
  /** Puts of invalidation tokens (`isTokenKey`). */
  putToken: number
  /** Puts of entries (cache fills, or entries written directly by the benchmark). */
  putEntry: number
  delete: number
  list: number
  total: number
}

export type CountingKV = { kv: KVNamespace; counts: KVCounts; reset(): void }

/** Counts operations on `inner` by type, telling token puts from entry puts by key. */
export function countingKV(inner: KVNamespace): CountingKV {
  const kv = inner as unknown as Loose
  const counts: KVCounts = { get: 0, putToken: 0, putEntry: 0, delete: 0, list: 0, total: 0 }
  const count = (type: keyof KVCounts) => {
    counts[type]++
    counts.total++
  }
  return {
    counts,
    reset: () => {
      for (const key of Object.keys(counts) as Array<keyof KVCounts>) counts[key] = 0
    },
    kv: asKV({
      get: (key, options) => {
        count('get')
        return kv.get(key, options)
      },
      put: (key, value, options) => {
        count(isTokenKey(key) ? 'putToken' : 'putEntry')
        return kv.put(key, value, options)
      },
      delete: (key) => {
        count('delete')
        return kv.delete(key)
      },
      list: (options) => {
        count('list')
        return kv.list(options)
      },
    }),
  }
}
