import { describe, expect, it } from 'vitest'
import { encodeKey } from '../src/storage/encodeKey.js'
import { sha256 } from '../src/storage/hashes.js'
import { kvKey } from '../src/storage/storageKeys.js'
import { oddValues, sameArgument } from './fixtures/oddValues.js'

describe('keys', () => {
  it('are equal for equal arguments written in a different key order', () => {
    const a = { collection: 'posts', where: { and: [{ title: { equals: 'x' } }], b: 1 }, limit: 10 }
    const b = { limit: 10, where: { b: 1, and: [{ title: { equals: 'x' } }] }, collection: 'posts' }
    expect(encodeKey(a)).toBe(encodeKey(b))
  })

  it('differ when any argument differs, including array order and page', () => {
    const base = { collection: 'posts', page: 1, sort: ['a', 'b'] }
    expect(encodeKey(base)).not.toBe(encodeKey({ ...base, page: 2 }))
    expect(encodeKey(base)).not.toBe(encodeKey({ ...base, sort: ['b', 'a'] }))
    expect(encodeKey({ where: { a: null } })).not.toBe(encodeKey({ where: {} }))
  })

  it('keep apart what JSON collapses', () => {
    const apart: Array<[unknown, unknown]> = [
      [{ views: { equals: Number.NaN } }, { views: { equals: null } }],
      [{ views: { less_than: Number.POSITIVE_INFINITY } }, { views: { less_than: null } }],
      [{ views: { less_than: Number.NEGATIVE_INFINITY } }, { views: { less_than: null } }],
      [{ title: { equals: undefined } }, { title: {} }],
      [{ views: { not_in: [undefined] } }, { views: { not_in: [null] } }],
      // Arrays with a hole (a sparse array literal is refused by the linter).
      [Object.assign(new Array(3), { 0: 1, 2: 2 }), [1, undefined, 2]],
      [new Array(1), []],
      [{ views: { greater_than: 5n } }, { views: { greater_than: '5n' } }],
      [new Date(0), '1970-01-01T00:00:00.000Z'],
      [-0, 0],
    ]
    for (const [a, b] of apart) {
      expect(encodeKey(a), `${String(encodeKey(a))}`).toBeDefined()
      expect(encodeKey(a)).not.toBe(encodeKey(b))
    }
  })

  it('are not made for what cannot be encoded exactly: the read is not cached', () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = { a: deep }
    class Filter {
      equals = 1
    }
    const unkeyable = [
      { in: new Map([[1, 2]]) },
      { in: new Set([1]) },
      { equals: new Filter() },
      { equals: { toJSON: () => 5 } },
      { equals: () => 1 },
      { equals: Symbol('x') },
      { equals: /x/ },
      { equals: new Uint8Array(1) },
      { equals: Object.assign(new Date(0), { extra: 1 }) },
      {
        get equals(): never {
          throw new Error('getter')
        },
      },
      cycle,
      deep,
    ]
    for (const value of unkeyable) expect(encodeKey({ where: value })).toBeUndefined()
  })

  it('never give two values the adapter tells apart one key (property, seeded)', () => {
    const seed = Number(process.env.KEY_SEED ?? 1)
    const draw = oddValues(seed)
    const byKey = new Map<string, unknown>()
    let collisions = 0
    for (let i = 0; i < 20_000; i++) {
      const value = draw()
      const key = encodeKey(value)
      expect(key, `seed ${seed}: every drawn value has a key`).toBeDefined()
      const earlier = byKey.get(key as string)
      if (byKey.has(key as string)) {
        collisions++
        expect(sameArgument(earlier, value), `seed ${seed}: one key for ${key}`).toBe(true)
      } else byKey.set(key as string, value)
      // And the converse: what the adapter cannot tell apart shares a key (a structured clone).
      expect(encodeKey(structuredClone(value))).toBe(key)
    }
    // The alphabet is small enough that equal values are drawn often: the check above ran.
    expect(collisions).toBeGreaterThan(1_000)
  })

  it('stay under KV’s 512 bytes however long the parts are', async () => {
    const key = kvKey('ns', 'schema', 'c', 'x'.repeat(600), 'find', await sha256('material'))
    expect(new TextEncoder().encode(key).length).toBeLessThanOrEqual(512)
    expect(key.startsWith('ns:schema:c:')).toBe(true)
  })

  it('hash with SHA-256', async () => {
    expect(await sha256('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})
