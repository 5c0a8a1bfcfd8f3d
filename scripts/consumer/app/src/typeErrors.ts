// Every line under a @ts-expect-error must stay a type error: tsc fails on an unused directive.
import { sqliteAdapter } from '@payloadcms/db-sqlite'
import type { RequestContext } from 'payload'
import { withKVCache } from 'payload-kv-cache'
import { kvCachePlugin } from 'payload-kv-cache-hooks'
import { memoryKV } from './kv.js'

const adapter = sqliteAdapter({ client: { url: 'file:./unused.db' } })

// @ts-expect-error a D1-like object is no KV namespace
withKVCache(adapter, { prepare: (query: string) => query })
// @ts-expect-error a string is no KV namespace
withKVCache(adapter, 'CACHE')
// @ts-expect-error `tll` is no option
withKVCache(adapter, memoryKV(), { tll: 60 })
// @ts-expect-error ttl is a number of seconds
withKVCache(adapter, memoryKV(), { ttl: '60' })
// @ts-expect-error `collection` is no option of the plugin
kvCachePlugin({ collection: {} })
// @ts-expect-error `pth` is no option of the dashboard
kvCachePlugin({ dashboard: { pth: '/cache' } })

export const contexts: RequestContext[] = [
  { kvCache: { bypass: true } },
  { kvCache: { mode: 'cache-only' }, somethingElse: 1 },
  // @ts-expect-error `bypas` is no cache control
  { kvCache: { bypas: true } },
  // @ts-expect-error mode is 'cache-only', 'default' or 'refresh'
  { kvCache: { mode: 'sometimes' } },
]
