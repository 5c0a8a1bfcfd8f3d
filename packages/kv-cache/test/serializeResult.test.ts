import { describe, expect, it } from 'vitest'
import { parseResult, serializeResult } from '../src/storage/serializeResult.js'
import { oddValues, sameResult } from './fixtures/oddValues.js'

describe('stored results', () => {
  it('come back exactly, or are not stored (property, seeded)', () => {
    const seed = Number(process.env.RESULT_SEED ?? 1)
    const draw = oddValues(seed)
    let stored = 0
    let restored = 0
    for (let i = 0; i < 20_000; i++) {
      const value = draw()
      const text = serializeResult(value)
      if (text === undefined) continue
      stored++
      if (text.startsWith('~')) restored++
      expect(sameResult(parseResult(text), value), `seed ${seed}: ${text}`).toBe(true)
    }
    // Both kinds of stored text were exercised.
    expect(stored).toBeGreaterThan(1_000)
    expect(restored).toBeGreaterThan(100)
  })

  it('put back what JSON alters, where it was: drizzle returns pagingCounter: NaN and undefined joins', () => {
    const doc = { id: 1, comments: undefined, title: 'x', tags: [undefined, 'a'], score: -0 }
    const result = { docs: [doc], pagingCounter: Number.NaN, max: Number.POSITIVE_INFINITY }
    const back = parseResult(serializeResult(result) as string) as typeof result
    expect(Object.keys(back.docs[0] as object)).toEqual([
      'id',
      'comments',
      'title',
      'tags',
      'score',
    ])
    expect(back).toStrictEqual(result)
    expect(Object.is(back.docs[0]?.score, -0)).toBe(true)
  })

  it('are plain JSON when nothing needs putting back', () => {
    expect(serializeResult({ a: [1, 'x', null, true] })).toBe('{"a":[1,"x",null,true]}')
  })

  it('are not stored when JSON would alter them', () => {
    const shared = { a: 1 }
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    class Doc {
      id = 1
    }
    for (const value of [
      { at: new Date(0) },
      { n: 1n },
      { doc: new Doc() },
      { doc: Object.create(null) },
      { doc: { toJSON: () => 1 } },
      { list: new Array(2) },
      { a: shared, b: shared },
      cycle,
      undefined,
      Number.NaN,
    ]) {
      expect(serializeResult(value)).toBeUndefined()
    }
  })

  it('never throw, whatever the result holds', () => {
    const throwing = {
      get boom(): never {
        throw new Error('getter')
      },
    }
    expect(serializeResult(throwing)).toBeUndefined()
  })
})
