import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BaseDatabaseAdapter, DatabaseAdapterObj } from 'payload'
import { startPayload } from 'payload-kv-cache-test-fixtures/payload'
import { steady } from 'payload-kv-cache-test-fixtures/steady'
import { describe, expect, it, vi } from 'vitest'
import { adapterMethods } from '../src/adapter/adapterMethods.js'
import { withKVCache } from '../src/index.js'

/** The members of `BaseDatabaseAdapter` as the installed Payload declares them. */
const installedAdapterMembers = (): string[] => {
  const dist = dirname(fileURLToPath(import.meta.resolve('payload')))
  const source = readFileSync(join(dist, 'database/types.d.ts'), 'utf8')
  const start = source.indexOf('export interface BaseDatabaseAdapter {')
  expect(start).toBeGreaterThan(-1)
  const members: string[] = []
  let depth = 0
  for (const line of source.slice(start).split('\n').slice(1)) {
    const trimmed = line.trim()
    if (depth === 0 && trimmed === '}') break
    const member = /^(\w+)\??[:(]/.exec(trimmed)
    if (depth === 0 && member?.[1]) members.push(member[1])
    depth += (line.match(/[{(]/g) ?? []).length - (line.match(/[})]/g) ?? []).length
  }
  return members
}

describe('the classification map', () => {
  it('classifies every member of the installed Payload adapter interface', () => {
    const members = installedAdapterMembers()
    expect(members.length).toBeGreaterThan(40)
    const unclassified = members.filter((m) => !Object.hasOwn(adapterMethods, m))
    expect(unclassified).toEqual([])
  })

  it('names no member the interface lacks', () => {
    const members = new Set(installedAdapterMembers())
    expect(Object.keys(adapterMethods).filter((m) => !members.has(m))).toEqual([])
  })

  it('treats every read Payload documents as a read and every write as a write', () => {
    const kinds = (kind: string) =>
      Object.entries(adapterMethods)
        .filter(([, spec]) => spec.kind === kind)
        .map(([name]) => name)
        .sort()
    expect(kinds('read')).toEqual(
      [
        'count',
        'countGlobalVersions',
        'countVersions',
        'find',
        'findDistinct',
        'findGlobal',
        'findGlobalVersions',
        'findOne',
        'findVersions',
        'queryDrafts',
      ].sort(),
    )
    expect(kinds('write')).toEqual(
      [
        'create',
        'createGlobal',
        'createGlobalVersion',
        'createVersion',
        'deleteMany',
        'deleteOne',
        'deleteVersions',
        'updateGlobal',
        'updateGlobalVersion',
        'updateJobs',
        'updateMany',
        'updateOne',
        'updateVersion',
        'upsert',
      ].sort(),
    )
  })
})

/**
 * A method a newer Payload adds to its adapters, standing in for one the map cannot know yet: it
 * writes with SQL of its own, as an adapter method may.
 */
type SqliteAdapter = {
  drizzle: { $client: { execute(query: { sql: string; args: unknown[] }): Promise<unknown> } }
}
type WithNewMethod = BaseDatabaseAdapter & {
  updatePostsSlug(args: { slug: string }): Promise<unknown>
}
const withNewMethod = (factory: DatabaseAdapterObj): DatabaseAdapterObj => ({
  ...factory,
  init: (args) => {
    const adapter = factory.init(args) as WithNewMethod
    // Straight to SQL, as an adapter's own method may: no classified method sees the write.
    adapter.updatePostsSlug = ({ slug }) =>
      (adapter as unknown as SqliteAdapter).drizzle.$client.execute({
        sql: 'UPDATE posts SET slug = ?',
        args: [slug],
      })
    return adapter
  },
})

describe('an adapter member the map does not know', () => {
  it('is treated as a write that may change anything when it is named like one', async () => {
    const app = await startPayload({
      kind: 'sqlite',
      wrap: (factory, kv) => withKVCache(withNewMethod(factory), kv, steady()),
    })
    try {
      const { payload } = app
      await payload.create({ collection: 'posts', data: { title: 'One', slug: 'before' } })
      const slugs = async () =>
        (await payload.find({ collection: 'posts', depth: 0 })).docs.map((post) => post.slug)
      expect(await slugs()).toEqual(['before'])
      expect(await slugs()).toEqual(['before'])
      const warn = vi.spyOn(payload.logger, 'warn')
      const db = payload.db as unknown as WithNewMethod
      await db.updatePostsSlug({ slug: 'after' })
      expect(await slugs()).toEqual(['after'])
      await db.updatePostsSlug({ slug: 'again' })
      expect(await slugs()).toEqual(['again'])
      const warnings = warn.mock.calls.filter(([message]) =>
        String(message).includes('payload.db.updatePostsSlug'),
      )
      expect(warnings).toHaveLength(1)
    } finally {
      await app.cleanup()
    }
  })
})
