import type { Payload } from 'payload'
import { type FuzzSlug, fuzzSlugs } from '../../fixtures/fuzzSchema.js'
import { data } from './data.js'
import type { Random } from './generator.js'
import { existing, type Ids } from './ids.js'

/** The documents a run starts from: a few of each collection, related to the ones made before. */
export const seedData = async (g: Random, payload: Payload): Promise<Ids> => {
  const ids: Ids = { tags: [], badges: [], teams: [], people: [], notes: [], replies: [] }
  const counts: Record<FuzzSlug, number> = {
    tags: 4,
    badges: 3,
    teams: 3,
    people: 6,
    notes: 8,
    replies: 8,
  }
  for (const slug of fuzzSlugs) {
    for (let i = 0; i < counts[slug]; i++) {
      const doc = await payload.create({
        collection: slug,
        data: data(g, ids, slug) as never,
        depth: 0,
      })
      ids[slug].push(doc.id)
    }
  }
  // Teams and leads reference people created after them.
  for (const team of ids.teams) {
    await payload.update({
      collection: 'teams',
      id: team as never,
      data: { lead: existing(g, ids, 'people') } as never,
      depth: 0,
    })
  }
  return ids
}
