import type { Config, Plugin } from 'payload'
import { KVCacheConfigError, withKVCache } from 'payload-kv-cache'
import { startPayload } from 'payload-kv-cache-test-fixtures/payload'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { describe, expect, it, vi } from 'vitest'
import { type KVCachePluginOptions, kvCachePlugin } from '../src/index.js'

const existingHook = () => undefined

/** A small unsanitised config, as plugins receive it. */
const config = (): Config =>
  ({
    collections: [
      { slug: 'posts', fields: [], hooks: { afterChange: [existingHook] } },
      { slug: 'pages', fields: [] },
      { slug: 'users', auth: true, fields: [] },
    ],
    globals: [{ slug: 'header', fields: [] }],
    endpoints: [{ path: '/hello', method: 'get', handler: () => new Response('hi') }],
  }) as unknown as Config

const apply = (options: KVCachePluginOptions, incoming = config()): Config =>
  kvCachePlugin(options)(incoming)

// Deliberately wrong options, as a JavaScript user could write them.
const unchecked = (options: unknown) => options as KVCachePluginOptions

describe('kvCachePlugin config', () => {
  it('returns the config untouched with enabled: false, even with options it would reject', () => {
    const incoming = config()
    const result = apply(
      unchecked({
        enabled: false,
        collections: { nope: 'sometimes' },
        endpoints: true,
        dashboard: 'yes',
      }),
      incoming,
    )
    expect(result).toBe(incoming)
    expect(result.collections?.[0]?.hooks?.afterChange).toEqual([existingHook])
    expect(result.collections?.[0]?.hooks?.afterDelete).toBeUndefined()
    expect(result.endpoints).toHaveLength(1)
    expect(result.onInit).toBeUndefined()
    expect(result.admin).toBeUndefined()
  })

  it('appends afterChange and afterDelete hooks to the named collections, after the existing ones', () => {
    const incoming = config()
    const result = apply(
      { collections: { posts: 'item' }, globals: { header: () => [] } },
      incoming,
    )
    const [posts, pages] = result.collections ?? []
    expect(posts?.hooks?.afterChange).toHaveLength(2)
    expect(posts?.hooks?.afterChange?.[0]).toBe(existingHook)
    expect(posts?.hooks?.afterDelete).toHaveLength(1)
    expect(pages).toBe(incoming.collections?.[1])
    expect(result.globals?.[0]?.hooks?.afterChange).toHaveLength(1)
  })

  it('does not change the config it was given', () => {
    const incoming = config()
    apply({ collections: { posts: 'collection' }, endpoints: true }, incoming)
    expect(incoming.collections?.[0]?.hooks?.afterChange).toEqual([existingHook])
    expect(incoming.collections?.[0]?.hooks?.afterDelete).toBeUndefined()
    expect(incoming.endpoints).toHaveLength(1)
  })

  it('adds the REST endpoints only when asked, after the existing ones', () => {
    expect(apply({}).endpoints).toHaveLength(1)
    expect(apply({ endpoints: false }).endpoints).toHaveLength(1)
    const endpoints = apply({ endpoints: { access: () => true } }).endpoints ?? []
    expect(endpoints.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'get /hello',
      'get /kv-cache/stats',
      'post /kv-cache/flush',
      'post /kv-cache/purge',
    ])
  })

  it('rejects an unknown collection, listing the valid ones', () => {
    expect(() => apply({ collections: { post: 'item' } })).toThrow(KVCacheConfigError)
    expect(() => apply({ collections: { post: 'item' } })).toThrow(
      /collections\.post: unknown collection 'post'; valid: posts, pages, users/,
    )
  })

  it('rejects an unknown global, listing the valid ones', () => {
    expect(() => apply({ globals: { footer: () => [] } })).toThrow(
      /globals\.footer: unknown global 'footer'; valid: header/,
    )
  })

  it('rejects unknown strategies', () => {
    expect(() => apply(unchecked({ collections: { posts: 'items' } }))).toThrow(
      /collections\.posts: unknown strategy "items"; use 'item', 'collection' or a function/,
    )
    expect(() => apply(unchecked({ collections: { posts: true } }))).toThrow(
      /unknown strategy true/,
    )
    expect(() => apply(unchecked({ globals: { header: 'item' } }))).toThrow(
      /globals\.header: unknown strategy "item"; use a function returning targets/,
    )
  })

  it('rejects unknown options and bad endpoint options', () => {
    expect(() => apply(unchecked({ collection: { posts: 'item' } }))).toThrow(
      /unknown option\(s\) collection; valid: collections, globals, enabled, endpoints, dashboard/,
    )
    expect(() => apply(unchecked({ endpoints: { access: true } }))).toThrow(
      /endpoints\.access must be a function/,
    )
    expect(() => apply(unchecked({ endpoints: { acess: () => true } }))).toThrow(
      /endpoints: unknown option\(s\) acess/,
    )
    expect(() => apply(unchecked({ enabled: 'yes' }))).toThrow(/enabled must be true or false/)
  })

  it('fails at config time, from buildConfig', async () => {
    const plugins = [kvCachePlugin({ collections: { nope: 'item' } })]
    const db = { name: 'none', defaultIDType: 'number', init: () => ({}) } as never
    await expect(buildTestConfig({ db, plugins })).rejects.toThrow(KVCacheConfigError)
  })
})

describe('kvCachePlugin without a KV cache', () => {
  let warn: ReturnType<typeof vi.fn>
  // Listed after kvCachePlugin, so it wraps the plugin's onInit and spies before it runs.
  const spyOnWarnings: Plugin = (incoming) => ({
    ...incoming,
    onInit: async (payload) => {
      warn = vi.fn()
      payload.logger.warn = warn as never
      await incoming.onInit?.(payload)
    },
  })

  it('logs one warning at start-up and lets every write through', async () => {
    const started = await startPayload({
      kind: 'sqlite',
      plugins: [
        kvCachePlugin({
          collections: { pages: 'collection' },
          globals: { header: () => ['all'] },
        }),
        spyOnWarnings,
      ],
    })
    try {
      const { payload } = started
      const page = await payload.create({ collection: 'pages', data: { title: 'One' } })
      await payload.update({ collection: 'pages', id: page.id, data: { title: 'Two' } })
      await payload.updateGlobal({ slug: 'header', data: { title: 'Hi' } })
      await payload.delete({ collection: 'pages', id: page.id })
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/no KV cache .*withKVCache/)
    } finally {
      await started.cleanup()
    }
  })

  it('does not warn when the adapter is wrapped', async () => {
    const started = await startPayload({
      kind: 'sqlite',
      wrap: (factory, kv) => withKVCache(factory, kv),
      plugins: [kvCachePlugin({ collections: { pages: 'collection' } }), spyOnWarnings],
    })
    try {
      await started.payload.create({ collection: 'pages', data: { title: 'One' } })
      expect(warn).not.toHaveBeenCalled()
    } finally {
      await started.cleanup()
    }
  })
})
