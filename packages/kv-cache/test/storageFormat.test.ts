import { describe, expect, it } from 'vitest'
import { encodeKey } from '../src/storage/encodeKey.js'
import {
  decodeEntry,
  encodeEntry,
  entryIdentity,
  queryIdentity,
} from '../src/storage/entryFormat.js'
import { serializeResult } from '../src/storage/serializeResult.js'
import {
  entityPrefix,
  entryKey,
  isTokenKey,
  namespacePrefix,
  parseEntryKey,
  tokenKey,
  tokenPrefix,
} from '../src/storage/storageKeys.js'
import {
  ALL,
  collectionItems,
  collectionList,
  documentToken,
  entityOfToken,
  globalToken,
} from '../src/storage/tokenNames.js'
import {
  d1Position,
  newTokenValue,
  parsePosition,
  positionOf,
  postgresPosition,
  snapshotPart,
  snapshotValues,
  tokenTime,
  UNWRITTEN,
} from '../src/storage/tokenValues.js'

/**
 * The exact strings the cache stores in KV. Deployed isolates of one version read what the others
 * wrote, so each of these is a format: a change here must bump `ENTRY_VERSION` (entries) or be
 * planned as a migration (token names, which old isolates keep writing during a deployment).
 */
describe('the storage format', () => {
  it('names invalidation tokens', () => {
    expect([
      ALL,
      collectionList('posts'),
      collectionItems('posts'),
      documentToken('posts', '7'),
      globalToken('header'),
    ]).toEqual(['all', 'c:posts:list', 'c:posts:items', 'c:posts:id:7', 'g:header'])
    expect(entityOfToken('c:posts:id:a:b')).toEqual({ kind: 'collection', slug: 'posts' })
    expect(entityOfToken('g:header')).toEqual({ kind: 'global', slug: 'header' })
    expect(entityOfToken('all')).toEqual({ kind: 'all' })
  })

  it('keys tokens and entries in KV', () => {
    expect(tokenKey('payload', 'c:posts:list')).toBe('payload:_t:c:posts:list')
    expect(tokenPrefix('payload')).toBe('payload:_t:')
    expect(isTokenKey('payload:_t:c:posts:list')).toBe(true)
    expect(isTokenKey('other:_t:all')).toBe(true)
    expect(isTokenKey('payload:ks:c:posts:find:abc')).toBe(false)
    const key = entryKey('payload', 'ks', 'collection', 'posts', 'find', 'abc')
    expect(key).toBe('payload:ks:c:posts:find:abc')
    expect(entryKey('payload', 'ks', 'global', 'header', 'findGlobal', 'abc')).toBe(
      'payload:ks:g:header:findGlobal:abc',
    )
    expect(parseEntryKey(key)).toEqual({
      namespace: 'payload',
      keyspace: 'ks',
      kind: 'collection',
      slug: 'posts',
      operation: 'find',
      queryHash: 'abc',
    })
    expect(parseEntryKey('payload:_t:c:posts:list')).toBeUndefined()
    expect(parseEntryKey('payload:_t:c:posts:id:1')).toBeUndefined()
    expect(entityPrefix('payload', 'ks', 'collection', 'posts')).toBe('payload:ks:c:posts:')
    expect(namespacePrefix('payload')).toBe('payload:')
  })

  it('writes an entry: version, expiry, identity, result', () => {
    const material = encodeKey({ collection: 'posts', where: { views: { less_than: Infinity } } })
    expect(material).toBe('{"collection":"posts","where":{"views":{"less_than":Infinity}}}')
    const identity = entryIdentity('find', 'posts', material as string, 'all=0;c:posts:list=k1;')
    expect(identity).toBe(
      'find|"posts"|{"collection":"posts","where":{"views":{"less_than":Infinity}}}|all=0;c:posts:list=k1;',
    )
    expect(queryIdentity('find', 'posts', material as string)).toBe(
      'find|"posts"|{"collection":"posts","where":{"views":{"less_than":Infinity}}}',
    )
    const data = serializeResult({ docs: [], pagingCounter: Number.NaN }) as string
    expect(data).toBe('~[["NaN","pagingCounter"]]\n{"docs":[],"pagingCounter":null}')
    const entry = { expiresAt: 1_800_000_000_000, storedAt: 1_799_999_700_000, identity, data }
    const text = encodeEntry(entry)
    expect(text).toBe(`e3\n1800000000000\n1799999700000\n${identity}\n${data}`)
    expect(decodeEntry(text)).toEqual(entry)
  })

  it('misses what is not an entry of this version, never misreads it', () => {
    for (const raw of [
      '',
      'e1\n1\nkey\n{}',
      'e2\n1\nkey\n{}',
      'e3\nsoon\n1\nkey\n{}',
      'e3\n1\nlater\nkey\n{}',
      'e3\n1\n1\nkey',
      '{"docs":[]}',
    ]) {
      expect(decodeEntry(raw)).toBeUndefined()
    }
    // e2 entries were filled by versions that never waited for a lagging replica.
    expect(decodeEntry('e2\n1800000000000\nkey\n{}')).toBeUndefined()
  })

  it('writes token values, with the position a write had reached', () => {
    const now = 1_800_000_000_000
    const plain = newTokenValue(now)
    expect(plain).toMatch(/^mywpiww0-[0-9a-z]{16}$/)
    expect(tokenTime(plain)).toBe(now)
    expect(positionOf(plain)).toBeUndefined()
    const bookmark = '00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683'
    expect(d1Position(bookmark)).toBe(`d${bookmark}`)
    const withBookmark = newTokenValue(now, d1Position(bookmark))
    expect(withBookmark).toMatch(
      /^mywpiww0-[0-9a-z]{16}~d00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683$/,
    )
    expect(tokenTime(withBookmark)).toBe(now)
    expect(parsePosition(positionOf(withBookmark) as string)).toEqual({ kind: 'd1', bookmark })
    expect(postgresPosition('16/B374D848')).toBe('p16/B374D848')
    expect(parsePosition('p16/B374D848')).toEqual({ kind: 'postgres', lsn: '16/B374D848' })
    // A position that could break a snapshot (`;`, `=`) or is not one is left out, never stored.
    expect(newTokenValue(now, 'dx;y=z')).toMatch(/^mywpiww0-[0-9a-z]{16}$/)
    expect(postgresPosition('16/B374D848; drop')).toBeUndefined()
    expect(d1Position(null)).toBeUndefined()
    expect(UNWRITTEN).toBe('0')
  })

  it('spells a snapshot, and reads its values back by the names it was made of', () => {
    const names = ['all', 'c:posts:list', 'c:posts:id:a=1;b']
    const values = ['0', 'k1-aa', 'k2-bb~p0/16B3748']
    const snapshot = names.map((name, i) => snapshotPart(name, values[i] as string)).join('')
    expect(snapshot).toBe('all=0;c:posts:list=k1-aa;c:posts:id:a=1;b=k2-bb~p0/16B3748;')
    expect(snapshotValues(names, snapshot)).toEqual(values)
    // An id holding `=` and `;` cannot pass for a value: the names are matched in order.
    expect(snapshotValues(['all', 'c:posts:list'], snapshot)).toBeUndefined()
    expect(snapshotValues(names, `${snapshot}x`)).toBeUndefined()
  })

  it('writes a token value as its time and a random part, and a snapshot as name=value;', () => {
    const token = newTokenValue(1_800_000_000_000)
    expect(token).toMatch(/^mywpiww0-[0-9a-z]{16}$/)
    expect(tokenTime(token)).toBe(1_800_000_000_000)
    expect(tokenTime(UNWRITTEN)).toBe(0)
    const names = ['all', 'c:posts:id:a=b;c']
    const snapshot = names.map((name, i) => snapshotPart(name, i ? token : UNWRITTEN)).join('')
    expect(snapshot).toBe(`all=0;c:posts:id:a=b;c=${token};`)
    expect(snapshotValues(names, snapshot)).toEqual([UNWRITTEN, token])
    expect(snapshotValues(['all'], snapshot)).toBeUndefined()
  })
})
