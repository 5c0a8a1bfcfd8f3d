import type { KVNamespace as WorkersKVNamespace } from '@cloudflare/workers-types'
import type { Miniflare } from 'miniflare'
import type { DatabaseAdapterObj, RequestContext } from 'payload'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type CacheControl, type KVNamespace, withKVCache } from '../src/index.js'

// Checked by `tsc` (`pnpm check` typechecks the tests): a type error here fails CI.

type MiniflareKVNamespace = Awaited<ReturnType<Miniflare['getKVNamespace']>>
declare const adapter: DatabaseAdapterObj

describe('public types', () => {
  it("accept Cloudflare's and Miniflare's KV namespaces as they are", () => {
    expectTypeOf<WorkersKVNamespace>().toExtend<KVNamespace>()
    expectTypeOf<MiniflareKVNamespace>().toExtend<KVNamespace>()
    expectTypeOf<() => Promise<WorkersKVNamespace>>().toExtend<Parameters<typeof withKVCache>[1]>()
    expect(true).toBe(true)
  })

  it('reject a binding that is not a KV namespace and an unknown option', () => {
    const build = (kv: WorkersKVNamespace) => {
      // @ts-expect-error a D1-like object is no KV namespace
      withKVCache(adapter, { prepare: () => undefined })
      // @ts-expect-error `tll` is no option
      withKVCache(adapter, kv, { tll: 60 })
      return withKVCache(adapter, kv, { ttl: 60 })
    }
    expect(typeof build).toBe('function')
  })

  it('type context.kvCache through RequestContext', () => {
    expectTypeOf<RequestContext['kvCache']>().toEqualTypeOf<CacheControl | undefined>()
    const ok: RequestContext = { kvCache: { bypass: true }, other: 1 }
    // @ts-expect-error `bypas` is no control
    const misspelt: RequestContext = { kvCache: { bypas: true } }
    // @ts-expect-error mode is a known string
    const badMode: RequestContext = { kvCache: { mode: 'sometimes' } }
    expect([ok, misspelt, badMode]).toHaveLength(3)
  })
})
