import type { Payload } from 'payload'
import { type FuzzSlug, fuzzSlugs } from '../../fixtures/fuzzSchema.js'
import { data, maybe } from './data.js'
import type { Random } from './generator.js'
import { existing, type ID, type Ids, spell } from './ids.js'
import { type Leaf, model, NAMES, virtualTarget } from './model.js'
import type { Touch } from './paths.js'
import { where } from './where.js'

/** One random write through `payload`; returns what it did, for the failure message. */
export const write = async (g: Random, ids: Ids, payload: Payload): Promise<string> => {
  const slug = g.pick(fuzzSlugs)
  const id = existing(g, ids, slug)
  const choice = g.int(12)
  if (choice < 3 || id === undefined) {
    const doc = await payload.create({
      collection: slug,
      data: data(g, ids, slug) as never,
      depth: 0,
    })
    ids[slug].push(doc.id)
    return `create ${slug} ${doc.id}`
  }
  if (choice < 6) {
    const fields = data(g, ids, slug)
    const keys = Object.keys(fields).filter(() => g.chance(0.5))
    const partial = Object.fromEntries(keys.map((key) => [key, fields[key]]))
    const locale = g.chance(0.3) ? 'de' : undefined
    const draft = slug === 'notes' && g.chance(0.3)
    await payload.update({
      collection: slug,
      id: spell(g, id) as never,
      data: partial as never,
      depth: 0,
      locale,
      draft,
    })
    return `update ${slug} ${id} ${JSON.stringify({ partial, locale, draft })}`
  }
  if (choice < 8 && ids[slug].length > 1) {
    await payload.delete({ collection: slug, id: spell(g, id) as never, depth: 0 })
    ids[slug].splice(ids[slug].indexOf(id), 1)
    return `delete ${slug} ${id}`
  }
  if (choice < 9) {
    const bulkWhere = where(g, ids, slug, 0, 1, [])
    const fields = data(g, ids, slug)
    const key = g.pick(Object.keys(fields).filter((k) => k !== 'title' && k !== 'name'))
    await payload.update({
      collection: slug,
      where: bulkWhere,
      data: { [key]: fields[key] } as never,
      depth: 0,
    })
    return `updateMany ${slug} ${JSON.stringify({ bulkWhere, key })}`
  }
  if (choice < 10 && ids[slug].length > 3) {
    const victim = g.pick(ids[slug])
    await payload.delete({ collection: slug, where: { id: { in: [victim] } }, depth: 0 })
    ids[slug].splice(ids[slug].indexOf(victim), 1)
    return `deleteMany ${slug} ${victim}`
  }
  const featured = existing(g, ids, 'notes')
  const team = existing(g, ids, 'teams')
  await payload.updateGlobal({
    slug: 'settings',
    data: { title: g.pick(NAMES), featured: maybe(g, featured), team: maybe(g, team) } as never,
    depth: 0,
  })
  return 'updateGlobal settings'
}

/** A value a field can hold: the one a query tests for, or one near it. */
const valueFor = (g: Random, leaf: Leaf, tested: unknown): unknown => {
  if (tested !== undefined && g.chance(0.7)) return tested
  return leaf.kind === 'number' ? g.int(10) : g.pick(NAMES)
}

/** `{ sponsor: { level } }` for `sponsor.level`; blocks and arrays get a row holding the value. */
const nest = (field: string, value: unknown): Record<string, unknown> => {
  const [top, inner] = field.split('.') as [string, string | undefined]
  if (inner === undefined) return { [top]: value }
  if (top === 'layout') return { layout: [{ blockType: 'ref', [inner]: value }] }
  if (top === 'links') return { links: [{ [inner]: value }] }
  return { [top]: { [inner]: value } }
}

/**
 * A write aimed at what a query walks through: the tested field set to (or near) the tested
 * value, a relationship on the path re-pointed, the document at its end deleted (its references
 * null), or a document of a join created or deleted.
 */
export const aimedWrite = async (
  g: Random,
  ids: Ids,
  payload: Payload,
  touch: Touch,
): Promise<string> => {
  let { slug, field } = touch
  let leaf = model[slug][field] as Leaf
  if (leaf.kind === 'virtual') {
    ;({ slug, field } = virtualTarget[`${slug}.${field}`] as { slug: FuzzSlug; field: string })
    leaf = model[slug][field] as Leaf
  }
  const id = existing(g, ids, slug)
  if (id === undefined) return `aimed at ${slug}.${field}: no document`
  const update = async (data: Record<string, unknown>, locale?: 'de') => {
    await payload.update({
      collection: slug,
      id: spell(g, id) as never,
      data: data as never,
      depth: 0,
      locale,
    })
    return `aimed update ${slug} ${id} ${JSON.stringify({ data, locale })}`
  }
  switch (leaf.kind) {
    case 'text':
    case 'number':
      return update(
        nest(field, valueFor(g, leaf, touch.value)),
        leaf.kind === 'text' && leaf.localized && g.chance(0.4) ? 'de' : undefined,
      )
    case 'select':
      if (field === '_status') return update({ _status: g.pick(leaf.options) })
      return update({ layout: g.chance(0.5) ? [{ blockType: g.pick(leaf.options) }] : [] })
    case 'rel': {
      // The document the query tests for, when it tests one.
      const tested = ids[leaf.to].includes(touch.value as ID) ? (touch.value as ID) : undefined
      const target = tested !== undefined && g.chance(0.7) ? tested : existing(g, ids, leaf.to)
      if (
        g.chance(tested === undefined ? 0.4 : 0.6) &&
        target !== undefined &&
        ids[leaf.to].length > 1
      ) {
        await payload.delete({ collection: leaf.to, id: target as never, depth: 0 })
        ids[leaf.to].splice(ids[leaf.to].indexOf(target), 1)
        return `aimed delete ${leaf.to} ${target} (referenced by ${slug}.${field})`
      }
      const value = target === undefined || g.chance(0.2) ? null : leaf.many ? [target] : target
      return update(nest(field, value))
    }
    case 'poly': {
      const to = g.pick(leaf.to)
      const target = existing(g, ids, to)
      const value = target === undefined ? null : { relationTo: to, value: target }
      return update({ [field]: leaf.many ? (value ? [value] : []) : value })
    }
    case 'join': {
      const to = g.pick(leaf.to)
      const on = to === 'replies' ? 'note' : to === 'people' ? 'team' : 'mainTag'
      const victim = existing(g, ids, to)
      if (g.chance(0.4) && victim !== undefined && ids[to].length > 1) {
        await payload.delete({ collection: to, id: victim as never, depth: 0 })
        ids[to].splice(ids[to].indexOf(victim), 1)
        return `aimed delete ${to} ${victim} (joined into ${slug}.${field})`
      }
      const doc = await payload.create({
        collection: to,
        data: { ...data(g, ids, to), [on]: id } as never,
        depth: 0,
      })
      ids[to].push(doc.id)
      return `aimed create ${to} ${doc.id} (joined into ${slug} ${id})`
    }
    default:
      return update(
        nest(g.pick(['name', 'title'].filter((f) => f in model[slug])) ?? 'body', g.pick(NAMES)),
      )
  }
}
