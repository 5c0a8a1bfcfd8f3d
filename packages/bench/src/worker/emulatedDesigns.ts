/**
 * What other Payload KV caches do, emulated for the production model (`production.ts`) over the
 * same adapter: `list-and-delete` and `epoch-envelope`.
 */
import type { DatabaseAdapterObj } from 'payload'
import { type ConfigLike, fingerprint, Schema } from 'payload-kv-cache/internal'
import type { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'

const READS = new Set(['find', 'findOne', 'count', 'findGlobal', 'queryDrafts', 'findVersions'])
const WRITES = new Set([
  'create',
  'updateOne',
  'updateMany',
  'deleteOne',
  'deleteMany',
  'upsert',
  'createGlobal',
  'updateGlobal',
  'createVersion',
  'updateVersion',
  'deleteVersions',
  'createGlobalVersion',
  'updateGlobalVersion',
])

type Args = Record<string, unknown>
const slugOf = (args: Args) => String(args.collection ?? args.slug ?? args.global ?? '')
const keyOf = (method: string, args: Args) => {
  const { req: _req, ...rest } = args
  return fingerprint(`${method}|${JSON.stringify(rest)}`)
}

/**
 * Wraps an adapter's reads and writes with `read(method, slug, args, call)` and
 * `write(slug, call)`, as the emulated designs need; everything else reaches the adapter.
 */
const emulate = (
  factory: DatabaseAdapterObj,
  read: (
    method: string,
    slug: string,
    args: Args,
    call: () => Promise<unknown>,
  ) => Promise<unknown>,
  write: (slug: string, call: () => Promise<unknown>) => Promise<unknown>,
): DatabaseAdapterObj => ({
  ...factory,
  init: (options) => {
    const adapter = factory.init(options)
    return new Proxy(adapter, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function' || typeof property !== 'string') return value
        const call = (args: unknown[]) => () => Promise.resolve(value.apply(target, args))
        if (READS.has(property)) {
          return (...args: unknown[]) =>
            read(property, slugOf((args[0] ?? {}) as Args), (args[0] ?? {}) as Args, call(args))
        }
        if (WRITES.has(property)) {
          return (...args: unknown[]) => write(slugOf((args[0] ?? {}) as Args), call(args))
        }
        return value
      },
    })
  },
})

/** list-and-delete: one entry per query under `lad:<slug>:`; a write lists and deletes them all. */
export const listAndDelete = (
  factory: DatabaseAdapterObj,
  kv: KVNamespace,
  background: (p: Promise<unknown>) => void,
) =>
  emulate(
    factory,
    async (method, slug, args, call) => {
      const key = `lad:${slug}:${keyOf(method, args)}`
      const hit = await kv.get(key)
      if (hit !== null) return JSON.parse(hit)
      const result = await call()
      if (result !== undefined) background(kv.put(key, JSON.stringify(result)))
      return result
    },
    async (slug, call) => {
      const result = await call()
      let cursor: string | undefined
      do {
        const page = await kv.list({ prefix: `lad:${slug}:`, ...(cursor ? { cursor } : {}) })
        await Promise.all(page.keys.map((key) => kv.delete(key.name)))
        cursor = page.list_complete ? undefined : page.cursor
      } while (cursor)
      return result
    },
  )

/**
 * The epochs a read of `slug` carries: the collections it can return data of (the cache's own
 * `Schema.reachable`: relationships, uploads, joins, transitively), and a global's own epoch.
 */
export const epochScopesOf = (config: Awaited<ReturnType<typeof buildTestConfig>>) => {
  const schema = new Schema(config as unknown as ConfigLike, { name: 'sqlite' })
  const out = new Map<string, string[]>()
  for (const { slug } of config.collections) {
    out.set(slug, [...schema.reachable('collection', slug)].sort())
  }
  for (const { slug } of config.globals) {
    out.set(slug, [slug, ...schema.reachable('global', slug)].sort())
  }
  return out
}

/** epoch-envelope: value and epochs in one bulk get; valid when the epochs it carries are current. */
export const epochEnvelope = (
  factory: DatabaseAdapterObj,
  kv: KVNamespace,
  background: (p: Promise<unknown>) => void,
  dependencies: Map<string, string[]>,
) =>
  emulate(
    factory,
    async (method, slug, args, call) => {
      const key = `env:${slug}:${keyOf(method, args)}`
      const epochKeys = (dependencies.get(slug) ?? [slug]).map((s) => `env:epoch:${s}`)
      const found = (await kv.get([key, ...epochKeys])) as unknown as Map<string, string | null>
      const epochs = epochKeys.map((k) => found.get(k) ?? '0')
      const raw = found.get(key)
      if (raw) {
        const entry = JSON.parse(raw) as { epochs: string[]; data: unknown }
        if (entry.epochs.join() === epochs.join()) return entry.data
      }
      const result = await call()
      if (result !== undefined) background(kv.put(key, JSON.stringify({ epochs, data: result })))
      return result
    },
    async (slug, call) => {
      const result = await call()
      await kv.put(`env:epoch:${slug}`, crypto.randomUUID())
      return result
    },
  )
