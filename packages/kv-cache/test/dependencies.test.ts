import { sqliteAdapter } from '@payloadcms/db-sqlite'
import type { SanitizedConfig } from 'payload'
import { buildVersionCollectionFields } from 'payload'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { beforeAll, describe, expect, it } from 'vitest'
import { Dependencies, type ReadDescription } from '../src/dependencies/dependencies.js'
import { canonicalID, collectionIDType } from '../src/dependencies/ids.js'
import { buildFuzzConfig, fuzzSlugs } from './fixtures/fuzzSchema.js'

/**
 * What a read depends on, resolved from Payload's sanitized config (the fuzz schema, see
 * fixtures/fuzzSchema.ts): every construct of the query grammar, and the fail-closed rule for
 * what the walker cannot place. The differential tests (dependencies.diff and the fuzzer) show
 * the same on real databases; these pin down the tokens themselves.
 */
let config: SanitizedConfig
let deps: Dependencies

const tokens = (read: Partial<ReadDescription> & { args: Record<string, unknown> }) =>
  [
    ...(deps.readTokens({ target: 'collection', slug: 'notes', ...read }) ?? ['<not cached>']),
  ].sort()
const find = (args: Record<string, unknown>) => tokens({ args: { collection: 'notes', ...args } })
const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  expect(find(a)).toEqual(find(b))
/** Everything reachable from notes: what a read that cannot be placed depends on. */
let fallback: string[]

beforeAll(async () => {
  config = await buildFuzzConfig({ db: sqliteAdapter({ client: { url: 'file::memory:' } }) })
  deps = new Dependencies(
    config,
    { name: 'sqlite', defaultIDType: 'number' },
    {
      collections: fuzzSlugs,
      globals: ['settings'],
    },
  )
  fallback = find({ where: { nonsense: { equals: 1 } } })
})

describe('the dependencies of a read', () => {
  it('walk relationship paths into the collections they cross', () => {
    expect(find({ where: { 'author.team.name': { equals: 'x' } } })).toEqual(
      expect.arrayContaining(['c:people:list', 'c:teams:list']),
    )
    // Without a path, other collections only matter through foreign keys and joins.
    expect(find({ where: { score: { equals: 1 } } })).not.toContain('c:teams:list')
  })

  it('read and / or in any letter case as Payload and drizzle do', () => {
    const where = (key: string) => ({ where: { [key]: [{ 'author.name': { equals: 'x' } }] } })
    for (const key of ['AND', 'And', 'OR', 'oR']) same(where(key), where(key.toLowerCase()))
    expect(find(where('OR'))).toContain('c:people:list')
  })

  it('read __ as a path separator, in where and in sort', () => {
    same(
      { where: { author__team__name: { equals: 'x' } } },
      { where: { 'author.team.name': { equals: 'x' } } },
    )
    same({ sort: '-author__name' }, { sort: '-author.name' })
    expect(find({ sort: ['score', 'author__team__name'] })).toContain('c:teams:list')
  })

  it('read a nested where under contains as the prefixed path', () => {
    same(
      {
        where: { tags: { contains: { name: { equals: 'x' }, OR: [{ label: { equals: 'y' } }] } } },
      },
      { where: { 'tags.name': { equals: 'x' }, or: [{ 'tags.label': { equals: 'y' } }] } },
    )
    // On a join: replies → people → teams.
    same(
      { where: { replies: { contains: { 'by.team.name': { equals: 'x' } } } } },
      { where: { 'replies.by.team.name': { equals: 'x' } } },
    )
  })

  it('skip locale segments, and place polymorphic relationTo / value paths', () => {
    same({ where: { 'title.de': { equals: 'x' } } }, { where: { title: { equals: 'x' } } })
    same({ where: { 'about.value': { equals: 1 } } }, { where: { about: { exists: true } } })
    same(
      { where: { 'about.relationTo': { equals: 'people' } } },
      { where: { about: { exists: true } } },
    )
    // A path into a polymorphic relationship is placed in every collection it can point to.
    expect(find({ where: { 'about.name': { equals: 'x' } } })).toEqual(
      expect.arrayContaining(['c:people:list', 'c:tags:list']),
    )
  })

  it('follow virtual fields, blocks, arrays and groups', () => {
    same({ where: { authorName: { equals: 'x' } } }, { where: { 'author.name': { equals: 'x' } } })
    same({ sort: 'authorName' }, { sort: 'author.name' })
    expect(find({ where: { 'layout.tag.name': { equals: 'x' } } })).toContain('c:tags:list')
    expect(find({ where: { 'links.team.sponsor.brand.name': { equals: 'x' } } })).toEqual(
      expect.arrayContaining(['c:teams:list', 'c:tags:list']),
    )
    same({ where: { 'meta.keywords': { like: 'x' } } }, { where: { score: { exists: true } } })
  })

  it('include every join, its configured where, and the read’s own join queries', () => {
    const teams = (args: Record<string, unknown>) =>
      tokens({ slug: 'teams', args: { collection: 'teams', ...args } })
    // `members` reads people (whose rows a delete of what they reference changes: see below).
    expect(teams({})).toContain('c:people:list')
    expect(
      teams({ joins: { members: { where: { 'team.mainTag.name': { equals: 'x' } } } } }),
    ).toContain('c:tags:list')
    expect(teams({ joins: false })).not.toContain('c:people:list')
    // An unknown join, or an option of a join query the walker does not know: everything reachable.
    expect(teams({ joins: { nope: {} } })).toEqual(teams({ where: { nope: { equals: 1 } } }))
    expect(teams({ joins: { members: { populate: {} } } })).toEqual(
      teams({ where: { nope: { equals: 1 } } }),
    )
  })

  it('read versions through the version fields (queryDrafts, findVersions)', () => {
    const drafts = tokens({
      target: 'collectionVersions',
      args: {
        collection: 'notes',
        where: { 'version.author.team.name': { equals: 'x' }, latest: { equals: true } },
      },
    })
    expect(drafts).toEqual(
      expect.arrayContaining(['c:notes:list', 'c:people:list', 'c:teams:list']),
    )
  })

  it('place findDistinct’s field and its related access rules by path', () => {
    const distinct = find({
      field: 'author.team',
      relatedAccess: { author: { 'team.name': { equals: 'x' } } },
    })
    expect(distinct).toEqual(expect.arrayContaining(['c:people:list', 'c:teams:list']))
  })

  it('fail closed: an unknown key, operator or value shape depends on everything reachable', () => {
    // Every collection reachable from notes (through author, about, the replies join, badges of
    // people...).
    expect(fallback).toEqual(
      expect.arrayContaining(
        ['tags', 'teams', 'people', 'notes', 'replies', 'badges'].map((slug) => `c:${slug}:list`),
      ),
    )
    for (const where of [
      { title: { equalz: 'x' } },
      { title: 'x' },
      { and: { title: { equals: 'x' } } },
      { 'author.nope': { equals: 'x' } },
      { 'about.value.name': { equals: 'x' } },
      [],
    ]) {
      expect(find({ where }), JSON.stringify(where)).toEqual(fallback)
    }
    expect(find({ sort: { title: 1 } })).toEqual(fallback)
  })

  it('reports what the fallback costs in this schema', () => {
    const precise = find({ where: { 'author.name': { equals: 'x' } } })
    // A read of notes through one path depends on this many tokens; one the walker cannot place, on:
    expect({ precise: precise.length, fallback: fallback.length }).toEqual({
      precise: 4,
      fallback: 7,
    })
    const byID = find({ where: { id: { equals: 1 } } })
    expect(
      tokens({ id: '1', args: { collection: 'notes', where: { id: { equals: 1 } } } }),
    ).not.toContain('c:notes:list')
    expect(byID).toContain('c:notes:list') // `find` without `id` set: list-shaped
  })
})

describe('ids as the database matches them', () => {
  it('number ids through Number(), as drizzle compares them', () => {
    expect(['7', '07', '007', 7, '7.0', ' 7 '].map((id) => canonicalID('number', id))).toEqual(
      Array(6).fill('7'),
    )
    expect(canonicalID('number', 'seven')).toBeUndefined()
    expect(canonicalID('number', Number.NaN)).toBeUndefined()
  })

  it('uuids on PostgreSQL in lower case, text ids exactly', () => {
    const id = '0b6cc6c1-6fb4-4c0c-8f7c-1c2a3b4c5d6e'
    expect(canonicalID('uuid', id.toUpperCase())).toBe(id)
    expect(canonicalID('uuid', 'not-a-uuid')).toBeUndefined()
    expect(canonicalID('text', 'AbC')).toBe('AbC')
    expect(collectionIDType([], { name: 'postgres', defaultIDType: 'text', idType: 'uuid' })).toBe(
      'uuid',
    )
    expect(collectionIDType([], { name: 'sqlite', defaultIDType: 'text', idType: 'uuid' })).toBe(
      'text',
    )
    expect(collectionIDType([{ name: 'id', type: 'text' }], { defaultIDType: 'number' })).toBe(
      'text',
    )
  })

  it('in read and write tokens alike', () => {
    const read = deps.readTokens({
      target: 'collection',
      slug: 'notes',
      id: deps.itemOf('findOne', 'collection', {
        collection: 'notes',
        where: { and: [{ id: { equals: '007' } }] },
      }),
      args: { collection: 'notes', where: { and: [{ id: { equals: '007' } }] } },
    })
    expect(read).toContain('c:notes:id:7')
    expect(deps.writeTokens({ target: 'collection', slug: 'notes', ids: ['0007', 7] })).toContain(
      'c:notes:id:7',
    )
    // An id that cannot be placed makes every by-ID read of the collection stale.
    expect(deps.writeTokens({ target: 'collection', slug: 'notes', ids: ['x'] })).toContain(
      'c:notes:items',
    )
  })
})

describe('a delete', () => {
  const deleted = (slug: string) =>
    deps.writeTokens({ target: 'collection', slug, deletes: true, ids: [1] }).sort()

  it('makes stale every collection and global that references the deleted one', () => {
    // Tags are referenced by teams, people (best), notes and settings; their foreign keys change.
    expect(deleted('tags')).toEqual(
      expect.arrayContaining([
        'c:tags:list',
        'c:tags:id:1',
        ...['teams', 'people', 'notes'].flatMap((slug) => [`c:${slug}:list`, `c:${slug}:items`]),
      ]),
    )
    // Nothing references replies: a delete there touches replies alone.
    expect(deleted('replies')).toEqual(['c:replies:id:1', 'c:replies:list'])
  })

  it('reaches every read that sees the referencing rows, which carry no token per reference', () => {
    const stale = new Set(deleted('tags'))
    const reads: Array<Partial<ReadDescription> & { args: Record<string, unknown> }> = [
      // By ID in a collection that references tags.
      { slug: 'people', id: '3', args: { collection: 'people', where: { id: { equals: 3 } } } },
      // A list of notes, whose `tags` column the delete changes.
      { args: { collection: 'notes' } },
      // Through people on a path, and through the members join of teams.
      { args: { collection: 'notes', where: { 'author.name': { equals: 'x' } } } },
      { slug: 'teams', args: { collection: 'teams' } },
    ]
    for (const read of reads) {
      expect(tokens(read).some((token) => stale.has(token))).toBe(true)
      expect(tokens(read).some((token) => token.endsWith(':del'))).toBe(false)
    }
  })

  it('of a version does not change references', () => {
    expect(
      deps.writeTokens({ target: 'collection', slug: 'tags', deletes: true, versions: true }),
    ).toEqual(['c:tags:list'])
  })
})

describe('the version fields', () => {
  it('name what Payload’s buildVersionCollectionFields builds', async () => {
    const test = await buildTestConfig({ db: sqliteAdapter({ client: { url: 'file::memory:' } }) })
    const posts = test.collections.find((c) => c.slug === 'posts')
    if (!posts) throw new Error('no posts')
    const payloads = buildVersionCollectionFields(test, posts, true).map((f) =>
      'name' in f ? f.name : '',
    )
    const scope = new Dependencies(
      test,
      { defaultIDType: 'number' },
      { collections: [], globals: [] },
    ).schema.collections.get('posts')
    for (const name of payloads) expect(scope?.versionFields.map((f) => f.name)).toContain(name)
  })
})
