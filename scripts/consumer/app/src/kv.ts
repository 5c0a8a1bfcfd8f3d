import type { KVNamespace } from 'payload-kv-cache'

/** A KV namespace in memory: a plain object satisfies the cache's KVNamespace type, no cast. */
export const memoryKV = (): KVNamespace => {
  const store = new Map<string, string>()
  function get(key: string, options: { type: 'text' }): Promise<string | null>
  function get(keys: string[], options: { type: 'text' }): Promise<Map<string, string | null>>
  async function get(key: string | string[]): Promise<string | null | Map<string, string | null>> {
    if (typeof key === 'string') return store.get(key) ?? null
    return new Map(key.map((k) => [k, store.get(k) ?? null]))
  }
  return {
    get,
    put: async (key, value) => {
      store.set(key, value)
    },
    delete: async (key) => {
      store.delete(key)
    },
    list: async ({ prefix }) => ({
      keys: [...store.keys()].filter((name) => name.startsWith(prefix)).map((name) => ({ name })),
      list_complete: true,
    }),
  }
}
