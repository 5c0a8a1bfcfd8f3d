import { describe, expect, it } from 'vitest'
import { kvKey, sha256, stableStringify } from '../src/key.js'

describe('keys', () => {
  it('are equal for equal arguments written in a different key order', () => {
    const a = { collection: 'posts', where: { and: [{ title: { equals: 'x' } }], b: 1 }, limit: 10 }
    const b = { limit: 10, where: { b: 1, and: [{ title: { equals: 'x' } }] }, collection: 'posts' }
    expect(stableStringify(a)).toBe(stableStringify(b))
  })

  it('differ when any argument differs, including array order and page', () => {
    const base = { collection: 'posts', page: 1, sort: ['a', 'b'] }
    expect(stableStringify(base)).not.toBe(stableStringify({ ...base, page: 2 }))
    expect(stableStringify(base)).not.toBe(stableStringify({ ...base, sort: ['b', 'a'] }))
    expect(stableStringify({ where: { a: null } })).not.toBe(stableStringify({ where: {} }))
  })

  it('write dates the way JSON does and drop undefined members', () => {
    const date = new Date('2026-01-02T03:04:05.000Z')
    expect(stableStringify({ d: date, u: undefined })).toBe('{"d":"2026-01-02T03:04:05.000Z"}')
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
