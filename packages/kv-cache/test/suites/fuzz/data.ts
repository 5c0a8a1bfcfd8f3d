import type { FuzzSlug } from '../../fixtures/fuzzSchema.js'
import type { Random } from './generator.js'
import { existing, type Ids } from './ids.js'
import { NAMES } from './model.js'

/** `value`, or now and then `null`: a relationship left empty. */
export const maybe = <T>(g: Random, value: T | undefined): T | null =>
  value === undefined || g.chance(0.2) ? null : value

/** Field values for a new or updated document of `slug`, related documents picked from `ids`. */
export const data = (g: Random, ids: Ids, slug: FuzzSlug): Record<string, unknown> => {
  const name = `${g.pick(NAMES)}${g.chance(0.5) ? '' : ` ${g.int(3)}`}`
  switch (slug) {
    case 'tags':
      return { name, label: g.pick(NAMES), weight: g.int(10) }
    case 'badges':
      return { name, level: g.int(10) }
    case 'teams':
      return {
        name,
        lead: maybe(g, existing(g, ids, 'people')),
        tags: ids.tags.filter(() => g.chance(0.4)),
        mainTag: maybe(g, existing(g, ids, 'tags')),
        sponsor: { level: g.int(10), brand: maybe(g, existing(g, ids, 'tags')) },
      }
    case 'people': {
      const best = g.chance(0.5) ? 'tags' : 'badges'
      const bestID = existing(g, ids, best)
      return {
        name,
        bio: g.pick(NAMES),
        rank: g.int(10),
        team: maybe(g, existing(g, ids, 'teams')),
        badge: maybe(g, existing(g, ids, 'badges')),
        best: bestID === undefined || g.chance(0.2) ? null : { relationTo: best, value: bestID },
        friends: ids.people.filter(() => g.chance(0.25)),
      }
    }
    case 'notes': {
      const tag = existing(g, ids, 'tags')
      const person = existing(g, ids, 'people')
      return {
        title: name,
        score: g.int(10),
        author: maybe(g, person),
        tags: ids.tags.filter(() => g.chance(0.3)),
        mainTag: maybe(g, tag),
        about: [
          ...(person !== undefined && g.chance(0.5)
            ? [{ relationTo: 'people', value: person }]
            : []),
          ...(tag !== undefined && g.chance(0.5) ? [{ relationTo: 'tags', value: tag }] : []),
        ],
        layout: g.chance(0.6)
          ? [
              { blockType: 'ref', caption: g.pick(NAMES), tag: maybe(g, tag) },
              ...(g.chance(0.5) ? [{ blockType: 'quote', text: g.pick(NAMES) }] : []),
            ]
          : [],
        links: g.chance(0.5) ? [{ label: g.pick(NAMES), person: maybe(g, person) }] : [],
        meta: { keywords: g.pick(NAMES) },
        _status: g.chance(0.8) ? 'published' : 'draft',
      }
    }
    case 'replies':
      return {
        note: maybe(g, existing(g, ids, 'notes')),
        body: g.pick(NAMES),
        by: maybe(g, existing(g, ids, 'people')),
      }
  }
}
