import { type FuzzSlug, HIDDEN_TEAM } from '../../fixtures/fuzzSchema.js'

/**
 * What a path a query names ends at: a scalar, a virtual field, or a relationship (`rel`), a
 * polymorphic one (`poly`) or a join, to the collections it points at.
 */
export type Leaf =
  | { kind: 'text' | 'number' | 'date' | 'id'; localized?: boolean }
  | { kind: 'select'; options: string[] }
  | { kind: 'virtual' }
  | { kind: 'rel'; to: FuzzSlug; many?: boolean }
  | { kind: 'poly'; to: FuzzSlug[]; many?: boolean }
  | { kind: 'join'; to: FuzzSlug[] }

/** The names documents are given and queries test for; HIDDEN_TEAM is an access rule's. */
export const NAMES = ['alpha', 'beta', 'gamma', 'ghost', HIDDEN_TEAM, 'delta'] as const

const text = { kind: 'text' } as const
const number = { kind: 'number' } as const
const base = {
  id: { kind: 'id' },
  createdAt: { kind: 'date' },
  updatedAt: { kind: 'date' },
} as const satisfies Record<string, Leaf>

/** The fuzz schema, as paths a query can name (see fixtures/fuzzSchema.ts). */
export const model: Record<FuzzSlug, Record<string, Leaf>> = {
  tags: {
    ...base,
    name: text,
    label: { kind: 'text', localized: true },
    weight: number,
    usedBy: { kind: 'join', to: ['teams', 'notes'] },
  },
  badges: {
    ...base,
    name: text,
    level: number,
  },
  teams: {
    ...base,
    name: text,
    lead: { kind: 'rel', to: 'people' },
    tags: { kind: 'rel', to: 'tags', many: true },
    mainTag: { kind: 'rel', to: 'tags' },
    'sponsor.level': number,
    'sponsor.brand': { kind: 'rel', to: 'tags' },
    members: { kind: 'join', to: ['people'] },
  },
  people: {
    ...base,
    name: text,
    bio: { kind: 'text', localized: true },
    rank: number,
    team: { kind: 'rel', to: 'teams' },
    badge: { kind: 'rel', to: 'badges' },
    best: { kind: 'poly', to: ['tags', 'badges'] },
    friends: { kind: 'rel', to: 'people', many: true },
    teamName: { kind: 'virtual' },
  },
  notes: {
    ...base,
    title: { kind: 'text', localized: true },
    score: number,
    author: { kind: 'rel', to: 'people' },
    tags: { kind: 'rel', to: 'tags', many: true },
    mainTag: { kind: 'rel', to: 'tags' },
    about: { kind: 'poly', to: ['people', 'tags'], many: true },
    'layout.caption': text,
    'layout.tag': { kind: 'rel', to: 'tags' },
    'layout.blockType': { kind: 'select', options: ['ref', 'quote'] },
    'links.label': text,
    'links.person': { kind: 'rel', to: 'people' },
    'meta.keywords': text,
    authorName: { kind: 'virtual' },
    replies: { kind: 'join', to: ['replies'] },
    _status: { kind: 'select', options: ['draft', 'published'] },
  },
  replies: {
    ...base,
    note: { kind: 'rel', to: 'notes' },
    body: text,
    by: { kind: 'rel', to: 'people' },
  },
}

/** The joins of each collection, and the collections each one joins, for a read's `joins`. */
export const joinsOf: Partial<Record<FuzzSlug, Record<string, FuzzSlug[]>>> = {
  tags: { usedBy: ['teams', 'notes'] },
  teams: { members: ['people'] },
  notes: { replies: ['replies'] },
}

/** Where a virtual field's value is stored. */
export const virtualTarget: Record<string, { slug: FuzzSlug; field: string }> = {
  'notes.authorName': { slug: 'people', field: 'name' },
  'people.teamName': { slug: 'teams', field: 'name' },
}

/** The collection a path's last segment belongs to (for picking ids of the right collection). */
export const slugAt = (from: FuzzSlug, segments: string[]): FuzzSlug => {
  let slug = from
  for (let i = 0; i < segments.length - 1; i++) {
    const leaf = model[slug][segments[i] as string]
    if (leaf?.kind === 'rel') slug = leaf.to
    else if (leaf?.kind === 'join' && leaf.to.length === 1) slug = leaf.to[0] as FuzzSlug
  }
  return slug
}
