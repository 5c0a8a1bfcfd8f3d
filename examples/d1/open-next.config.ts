// OpenNext's adapter config: the page cache of a small site that revalidates on demand, as
// OpenNext's caching guide advises (opennext.js.org/cloudflare/caching): the incremental cache in
// R2 and the tag cache in D1 ("next mode"). The cached pages are revalidated by tag only
// (kvCachePlugin's `pageCache`), never on a timer, so no queue is needed.
import { defineCloudflareConfig } from '@opennextjs/cloudflare/config'
import r2IncrementalCache from '@opennextjs/cloudflare/overrides/incremental-cache/r2-incremental-cache'
import d1NextTagCache from '@opennextjs/cloudflare/overrides/tag-cache/d1-next-tag-cache'

export default defineCloudflareConfig({
  incrementalCache: r2IncrementalCache,
  tagCache: d1NextTagCache,
})
