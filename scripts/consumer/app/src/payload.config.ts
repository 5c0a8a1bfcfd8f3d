import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { buildConfig } from 'payload'
import { withKVCache } from 'payload-kv-cache'
import { kvCachePlugin } from 'payload-kv-cache-hooks'
import { memoryKV } from './kv.js'

export const kv = memoryKV()

export default buildConfig({
  secret: 'consumer-test-secret',
  db: withKVCache(sqliteAdapter({ client: { url: 'file:./consumer.db' } }), kv, {
    ttl: 300,
    collections: { posts: { ttl: 60 } },
    namespace: 'consumer',
  }),
  collections: [
    { slug: 'users', auth: true, fields: [] },
    { slug: 'posts', fields: [{ name: 'title', type: 'text' }] },
  ],
  // The dashboard only adds import paths to the config: React is not needed to build it.
  plugins: [kvCachePlugin({ collections: { posts: 'item' }, endpoints: true, dashboard: true })],
})
