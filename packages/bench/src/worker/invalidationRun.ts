import type { KVNamespace } from '@cloudflare/workers-types'
import type { Payload } from 'payload'
import { KVCacheMissError, settled, withCacheControl } from 'payload-kv-cache'
import type { CountingKV, KVCounts } from '../kvDoubles.js'
import { zipfQuery } from '../queries.js'

/**
 * One invalidation measurement at `entries` cached entries, inside workerd on the KV binding:
 * 1. populate: up to `REAL_ENTRIES` real cache fills (distinct `find` queries through the cache),
 *    the rest written directly with the same key shape and entry layout, in parallel batches;
 * 2. this project: one adapter write through the cache (`db.updateOne` of one post), which replaces
 *    the collection's `list` token and the document's `id` token; timed as the caller sees it (no
 *    `waitUntil`, so the first put attempt is awaited), KV operations counted; then a cache-only
 *    read of a populated query must miss (the entries are unreachable);
 * 3. list-and-delete by prefix, as other Payload KV cache plugins invalidate: `list({ prefix })`
 *    pages of 1,000 keys and one `delete` per key (a page's deletes in parallel).
 */

export const NAMESPACE = 'inv'
const REAL_ENTRIES = 100

export type InvalidationRun = {
  entries: number
  populateMs: number
  ours: { ms: number; bareWriteMs: number; ops: KVCounts; staleAfterWrite: boolean }
  listAndDelete: { ms: number; ops: KVCounts; remaining: number; error?: string }
}

const hex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('')

const countAll = async (kv: KVNamespace, prefix: string): Promise<number> => {
  let count = 0
  let cursor: string | undefined
  for (;;) {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) })
    count += page.keys.length
    if (page.list_complete) return count
    cursor = page.cursor
  }
}

export async function invalidationRun(input: {
  entries: number
  run: number
  putConcurrency: number
  plain: Payload
  cached: Payload
  counting: CountingKV
  kv: KVNamespace
  id: number | string
}): Promise<InvalidationRun> {
  const { entries, run, putConcurrency, plain, cached, counting, kv, id } = input

  // 1. Populate.
  let started = performance.now()
  const real = Math.min(entries, REAL_ENTRIES)
  for (let k = 0; k < real; k++) await cached.db.find(zipfQuery(k))
  await settled(cached)
  const sample = (await kv.list({ prefix: `${NAMESPACE}:` })).keys.find((key) =>
    key.name.includes(':c:posts:find:'),
  )
  if (!sample) throw new Error('no cache entry was stored')
  const findPrefix = sample.name.slice(0, sample.name.lastIndexOf(':') + 1)
  const prefix = findPrefix.slice(0, findPrefix.length - 'find:'.length)
  const template = (await kv.get(sample.name)) as string
  const [version, expiresAt, fullKey] = template.split('\n', 3) as [string, string, string]
  const data = template.slice(version.length + expiresAt.length + fullKey.length + 3)
  const encoder = new TextEncoder()
  for (let start = real; start < entries; start += putConcurrency) {
    const batch: Promise<void>[] = []
    for (let j = start; j < Math.min(entries, start + putConcurrency); j++) {
      const key = `${fullKey}#synthetic-${run}-${j}`
      batch.push(
        crypto.subtle.digest('SHA-256', encoder.encode(key)).then((hash) =>
          kv.put(`${findPrefix}${hex(hash)}`, `${version}\n${expiresAt}\n${key}\n${data}`, {
            expirationTtl: 3600,
          }),
        ),
      )
    }
    await Promise.all(batch)
  }
  const populateMs = performance.now() - started
  const present = await countAll(kv, prefix)
  if (present !== entries)
    throw new Error(`expected ${entries} entries under ${prefix}, found ${present}`)

  // 2. This project: one write.
  started = performance.now()
  await plain.db.updateOne({
    collection: 'posts',
    id,
    data: { views: 5000 + run },
    req: {},
  } as never)
  const bareWriteMs = performance.now() - started
  counting.reset()
  started = performance.now()
  await cached.db.updateOne({
    collection: 'posts',
    id,
    data: { views: 6000 + run },
    req: {},
  } as never)
  const ms = performance.now() - started
  await settled(cached)
  const ops = { ...counting.counts }
  // The entries are unreachable now: a cache-only read of the first one (which stores nothing) misses.
  const staleAfterWrite = await withCacheControl({ mode: 'cache-only' }, () =>
    cached.db.find(zipfQuery(0)),
  ).then(
    () => false,
    (error) => error instanceof KVCacheMissError,
  )

  // 3. List-and-delete by prefix (which also clears the entries for the next run).
  counting.reset()
  started = performance.now()
  let error: string | undefined
  try {
    let cursor: string | undefined
    for (;;) {
      const page = await counting.kv.list({ prefix, ...(cursor ? { cursor } : {}) })
      await Promise.all(page.keys.map((key) => counting.kv.delete(key.name)))
      if (page.list_complete) break
      cursor = page.cursor
    }
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught)
  }
  const deleteMs = performance.now() - started
  const deleteOps = { ...counting.counts }
  const remaining = await countAll(kv, prefix)
  return {
    entries,
    populateMs,
    ours: { ms, bareWriteMs, ops, staleAfterWrite },
    listAndDelete: { ms: deleteMs, ops: deleteOps, remaining, ...(error ? { error } : {}) },
  }
}
