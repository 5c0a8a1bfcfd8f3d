import type { Payload } from 'payload'
import { faultyKV, instrumentKV, type KVFaultPlan } from 'payload-kv-cache-test-fixtures/kv'
import { startPayload, type TestPayload } from 'payload-kv-cache-test-fixtures/payload'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { getCacheStats, resetCacheStats, settled, withKVCache } from '../src/index.js'
import { isTokenKey } from '../src/storage/storageKeys.js'
import { type CachedPair, startCachedPair } from './suites/cacheSuite.js'

/**
 * A failing KV never breaks a request, never changes a result and never blocks start-up: the
 * database stays the source of truth.
 */
describe('when KV fails (sqlite)', () => {
  let pair: CachedPair
  let broken: TestPayload
  const plan: KVFaultPlan = {}

  beforeAll(async () => {
    pair = await startCachedPair('sqlite', {}, 6)
  })
  // A fresh instance (a fresh circuit) for every test, over the same database and KV.
  beforeEach(async () => {
    Object.assign(plan, { fail: false, hang: false })
    broken = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory, kv) =>
        withKVCache(factory, faultyKV(kv, plan), {
          timeoutMs: 50,
          circuitThreshold: 3,
          // Long enough that a loaded machine does not reach the probe while the test checks
          // the open state.
          circuitCooldownMs: 3_000,
        }),
    })
  })
  afterEach(() => broken?.cleanup())
  afterAll(() => pair?.cleanup())

  const reads = (payload: Payload) =>
    Promise.all([
      payload.find({ collection: 'posts', sort: 'slug', depth: 1, limit: 20 }),
      payload.findByID({ collection: 'posts', id: pair.data.posts[0] as number, depth: 0 }),
      payload.findGlobal({ slug: 'header', depth: 0 }),
      payload.count({ collection: 'comments' }),
    ])

  it.each([
    ['throws on every call', { fail: true }],
    ['hangs on every call', { hang: true }],
  ] as const)('answers like the database when KV %s, and writes still land', async (_, faults) => {
    Object.assign(plan, { fail: false, hang: false }, faults)
    const warn = vi.spyOn(broken.payload.logger, 'warn')
    try {
      for (let i = 0; i < 3; i++)
        expect(await reads(broken.payload)).toEqual(await reads(pair.plain))
      const id = pair.data.posts[1] as number
      await broken.payload.update({
        collection: 'posts',
        id,
        data: { title: `Written while KV ${_}` },
      })
      expect(await reads(broken.payload)).toEqual(await reads(pair.plain))
      expect((await pair.plain.findByID({ collection: 'posts', id, depth: 0 })).title).toBe(
        `Written while KV ${_}`,
      )
      // Logged once when KV is given up on, not once per request.
      const circuitWarnings = warn.mock.calls.filter(([message]) =>
        String(message).includes('payload-kv-cache: KV failed'),
      )
      expect(circuitWarnings.length).toBeLessThanOrEqual(1)
      expect(getCacheStats(broken.payload).kv.errors).toBeGreaterThan(0)
      if ('hang' in faults) expect(getCacheStats(broken.payload).kv.timeouts).toBeGreaterThan(0)
    } finally {
      warn.mockRestore()
      Object.assign(plan, { fail: false, hang: false })
    }
  })

  it('answers like the database when a KV entry is corrupt, and replaces it', async () => {
    // Fill KV through the cached instance, then damage every entry (not the tokens).
    await reads(pair.cached)
    await settled(pair.cached)
    const { keys } = await pair.kv.list({ prefix: 'payload:' })
    const entries = keys.filter((key) => !isTokenKey(key.name))
    expect(entries.length).toBeGreaterThan(0)
    // Cut short, as a value cut off in transit would be: the header intact, the JSON not.
    const damaged = new Map<string, string>()
    for (const key of entries) {
      const raw = (await pair.kv.get(key.name)) as string
      damaged.set(key.name, raw.slice(0, -3))
      await pair.kv.put(key.name, raw.slice(0, -3))
    }
    // `broken` is a fresh isolate (empty memory tier) on the same KV, with KV working.
    resetCacheStats(broken.payload)
    expect(await reads(broken.payload)).toEqual(await reads(pair.plain))
    const stats = getCacheStats(broken.payload).total
    expect(stats.hits.kv).toBe(0)
    expect(stats.misses).toBeGreaterThan(0)
    await settled(broken.payload)
    // The misses stored good entries over the damaged ones they looked up.
    const now = await Promise.all(
      [...damaged].map(async ([name, bad]) => (await pair.kv.get(name)) !== bad),
    )
    expect(now.filter(Boolean).length).toBeGreaterThan(0)
  })

  it('skips KV after repeated failures, then probes it and resumes', async () => {
    plan.fail = true
    await reads(broken.payload)
    await reads(broken.payload)
    expect(getCacheStats(broken.payload).kv.circuit).toBe('open')
    resetCacheStats(broken.payload)
    await reads(broken.payload)
    // While open, no call reaches KV.
    expect(getCacheStats(broken.payload).kv.operations.read).toBe(0)
    plan.fail = false
    await new Promise((resolve) => setTimeout(resolve, 3_100))
    const info = vi.spyOn(broken.payload.logger, 'info')
    await reads(broken.payload)
    await reads(broken.payload)
    expect(getCacheStats(broken.payload).kv.circuit).toBe('closed')
    expect(info.mock.calls.some(([m]) => String(m).includes('KV is reachable again'))).toBe(true)
    info.mockRestore()
    resetCacheStats(broken.payload)
    await reads(broken.payload)
    const total = getCacheStats(broken.payload).total
    expect(total.hits.memory + total.hits.kv).toBeGreaterThan(0)
  })

  it('does not block start-up when KV is down, and says why each read skipped the cache', async () => {
    const reasons = new Set<string>()
    const down = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory, kv) =>
        withKVCache(factory, faultyKV(kv, { hang: true }), {
          timeoutMs: 50,
          // Without the hedge, each read waits for KV and says why it skipped it; with it, the
          // database answers first and the read is a (hedged) miss.
          hedgeMs: false,
          onEvent: (event) => {
            if (event.type === 'bypass') reasons.add(event.reason)
          },
        }),
    })
    try {
      expect(await reads(down.payload)).toEqual(await reads(pair.plain))
      expect([...reasons]).toEqual(['kv-unavailable'])
    } finally {
      await down.cleanup()
    }
  })

  it('treats a binding function that resolves to something else as KV being down', async () => {
    const wrong = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory) => withKVCache(factory, () => ({}) as never, { timeoutMs: 50 }),
    })
    try {
      expect(await reads(wrong.payload)).toEqual(await reads(pair.plain))
    } finally {
      await wrong.cleanup()
    }
  })

  it('stops retrying invalidations when Payload is destroyed, and writes them on reconnect', async () => {
    const downPlan: KVFaultPlan = { fail: ['put'] }
    // Counts every attempt, failed ones included.
    const counted = instrumentKV(faultyKV(pair.kv, downPlan))
    const down = await startPayload({
      kind: 'sqlite',
      database: pair.database,
      kv: pair.kv,
      wrap: (factory) => withKVCache(factory, counted.kv, { timeoutMs: 50, circuitThreshold: 100 }),
    })
    try {
      const warn = vi.spyOn(down.payload.logger, 'warn')
      const id = pair.data.posts[2] as number
      await down.payload.update({ collection: 'posts', id, data: { title: 'Unwritten token' } })
      await down.payload.db.destroy?.()
      expect(warn.mock.calls.some(([m]) => String(m).includes('could not be written to KV'))).toBe(
        true,
      )
      // Retries back off from 1 s: a loop left running would put again within this wait.
      const putsAfterDestroy = counted.counts.put
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      expect(counted.counts.put).toBe(putsAfterDestroy)

      // A hot reload (destroy, init, connect on the same adapter) writes what did not land.
      downPlan.fail = false
      await down.payload.db.init?.()
      await down.payload.db.connect?.({ hotReload: true })
      await settled(down.payload)
      expect(counted.counts.put).toBeGreaterThan(putsAfterDestroy)
      warn.mockRestore()
    } finally {
      await down.cleanup()
    }
  })
})
