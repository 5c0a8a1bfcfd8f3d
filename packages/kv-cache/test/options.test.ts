import type { DatabaseAdapterObj } from 'payload'
import { describe, expect, it } from 'vitest'
import { KVCacheConfigError, type KVNamespace, withKVCache } from '../src/index.js'
import { resolvePolicies } from '../src/options/entityPolicies.js'
import { resolveOptions } from '../src/options/resolveOptions.js'

// An empty namespace: a plain object satisfies the cache's KVNamespace type, no cast needed.
function get(key: string, options: { type: 'text' }): Promise<string | null>
function get(keys: string[], options: { type: 'text' }): Promise<Map<string, string | null>>
async function get(key: string | string[]): Promise<string | null | Map<string, string | null>> {
  return typeof key === 'string' ? null : new Map()
}
const kv: KVNamespace = {
  get,
  put: async () => undefined,
  delete: async () => undefined,
  list: async () => ({ keys: [], list_complete: true }),
}
const adapter = { name: 'test', defaultIDType: 'number' as const, init: () => ({}) as never }

const config = {
  collections: [
    { slug: 'posts', auth: false },
    { slug: 'users', auth: {} },
    { slug: 'payload-locked-documents' },
    { slug: 'payload-preferences' },
  ],
  globals: [{ slug: 'header' }],
} as never

describe('options', () => {
  it.each([
    [{ ttl: -1 }, /ttl must be a positive whole number of seconds, got -1/],
    [{ ttl: 0 }, /ttl must be a positive whole number/],
    [{ ttl: 1.5 }, /ttl must be a positive whole number/],
    [{ collections: { posts: { ttl: 0 } } }, /collections\.posts\.ttl must be a positive/],
    [{ collections: { posts: { tll: 5 } } }, /collections\.posts has unknown option\(s\): tll/],
    [{ namespace: 'has space' }, /namespace must be/],
    [{ memory: { maxBytes: -5 } }, /memory\.maxBytes/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ tll: 60 }, /options has unknown option\(s\) tll; valid: .*ttl/],
    [{ memory: { maxBytes: 1024, max: 5 } }, /memory has unknown option\(s\) max/],
    [{ memory: 'off' }, /memory must be false or \{ maxBytes \}/],
    [{ disabled: 'false' }, /disabled must be true or false, got "false"/],
    [{ authenticatedReads: true }, /authenticatedReads must be 'database' or 'cache', got true/],
    [{ debug: 1 }, /debug must be true or false, got 1/],
    [
      { admission: 'second-miss' },
      /admission must be one of 'always', 'reused', got "second-miss"/,
    ],
    [{ kvWriteBudget: 0 }, /kvWriteBudget must be a positive whole number of KV writes a day/],
    [{ kvWriteBudget: '1000' }, /kvWriteBudget must be a positive whole number/],
    [
      { staleWhileRevalidate: -1 },
      /staleWhileRevalidate must be a positive whole number of seconds/,
    ],
    [{ staleWhileRevalidate: 1.5 }, /staleWhileRevalidate must be a positive whole number/],
    [{ hyperdrive: true }, /hyperdrive must be false or \{ cached: 'all' \| 'replicas'/],
    [{ hyperdrive: {} }, /hyperdrive\.cached must be 'replicas' .* or 'all', got undefined/],
    [{ hyperdrive: { cached: 'none' } }, /hyperdrive\.cached must be/],
    [{ hyperdrive: { cached: 'all', max_age: 60 } }, /hyperdrive has unknown option\(s\) max_age/],
    [
      { hyperdrive: { cached: 'all', maxAge: 0 } },
      /hyperdrive\.maxAge must be a whole number of seconds from 1 to 3600/,
    ],
    [{ hyperdrive: { cached: 'all', maxAge: 7200 } }, /hyperdrive\.maxAge .* from 1 to 3600/],
    [
      { hyperdrive: { cached: 'all', staleWhileRevalidate: -1 } },
      /hyperdrive\.staleWhileRevalidate .* from 0 to 3600/,
    ],
  ])('rejects %j at config time', (options, message) => {
    expect(() => withKVCache(adapter, kv, options as never)).toThrow(message)
    expect(() => withKVCache(adapter, kv, options as never)).toThrow(KVCacheConfigError)
  })

  it('takes enabled, and the old names disabled and maxStaleMs, but not both of a pair', () => {
    expect(resolveOptions({}).enabled).toBe(true)
    expect(resolveOptions({ enabled: false }).enabled).toBe(false)
    expect(resolveOptions({ disabled: true }).enabled).toBe(false)
    expect(() => resolveOptions({ enabled: true, disabled: true })).toThrow(/enabled or disabled/)
    expect(() => resolveOptions({ enabled: 'no' as never })).toThrow(
      /enabled must be true or false/,
    )
    expect(resolveOptions({}).invalidationCheckMs).toBe(5_000)
    expect(resolveOptions({ invalidationCheckMs: 250 }).invalidationCheckMs).toBe(250)
    expect(resolveOptions({ maxStaleMs: 250 }).invalidationCheckMs).toBe(250)
    expect(() => resolveOptions({ maxStaleMs: 0 })).toThrow(/maxStaleMs must be a positive/)
    expect(() => resolveOptions({ invalidationCheckMs: 1, maxStaleMs: 1 })).toThrow(
      /invalidationCheckMs or maxStaleMs/,
    )
    // `enabled: false` hands Payload the adapter itself.
    const inner = {}
    const factory: DatabaseAdapterObj = { ...adapter, init: () => inner as never }
    const off = withKVCache(factory, kv, { enabled: false })
    expect(off.init({ payload: {} as never })).toBe(inner)
  })

  it("reads Hyperdrive's cache window from the hyperdrive option, with Hyperdrive's defaults", () => {
    expect(resolveOptions({}).hyperdrive).toBeUndefined()
    expect(resolveOptions({ hyperdrive: false }).hyperdrive).toBe(false)
    expect(resolveOptions({ hyperdrive: { cached: 'replicas' } }).hyperdrive).toEqual({
      cached: 'replicas',
      windowMs: 75_000,
    })
    expect(
      resolveOptions({ hyperdrive: { cached: 'all', maxAge: 30, staleWhileRevalidate: 0 } })
        .hyperdrive,
    ).toEqual({ cached: 'all', windowMs: 30_000 })
  })

  it('rejects a binding that is not a KV namespace', () => {
    expect(() => withKVCache(adapter, {} as never)).toThrow(/must be a KV namespace binding/)
    expect(() => withKVCache(adapter, undefined as never)).toThrow(/got undefined/)
  })

  it('keeps every own property of the adapter factory and only replaces init', () => {
    const factory = { ...adapter, allowIDOnCreate: true, custom: 42 }
    const wrapped = withKVCache(factory, kv)
    expect(wrapped).toMatchObject({ name: 'test', defaultIDType: 'number', allowIDOnCreate: true })
    expect((wrapped as typeof factory).custom).toBe(42)
    expect(wrapped.init).not.toBe(factory.init)
  })

  it('lists the valid slugs when a slug is unknown', () => {
    const options = resolveOptions({ collections: { post: { ttl: 5 } } })
    expect(() => resolvePolicies(options, config)).toThrow(
      'collections.post: no such collection. Valid: posts, users',
    )
    expect(() => resolvePolicies(resolveOptions({ globals: { footer: true } }), config)).toThrow(
      'Valid: header',
    )
  })

  it('never caches internal collections and caches auth collections only when asked', () => {
    const policies = resolvePolicies(resolveOptions({ ttl: 120 }), config)
    expect([...policies.collections]).toEqual([['posts', 120]])
    expect([...policies.globals]).toEqual([['header', 120]])
    const optedIn = resolvePolicies(resolveOptions({ collections: { users: true } }), config)
    expect(optedIn.collections.get('users')).toBe(300)
    expect(() =>
      resolvePolicies(resolveOptions({ collections: { 'payload-preferences': true } }), config),
    ).toThrow(/internal collections are never cached/)
  })

  it('applies per-collection TTLs and turns collections off', () => {
    const policies = resolvePolicies(
      resolveOptions({ collections: { posts: { ttl: 60 } }, globals: { header: false } }),
      config,
    )
    expect(policies.collections.get('posts')).toBe(60)
    expect(policies.globals.has('header')).toBe(false)
  })
})
