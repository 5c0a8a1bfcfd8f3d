import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { adapterMethods } from '../src/methods.js'

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
