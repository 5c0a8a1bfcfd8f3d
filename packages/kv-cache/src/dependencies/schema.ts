import { collectionIDType, type IDType } from './ids.js'

/**
 * The stored shape of every collection and global, as Payload's sanitized config describes it
 * (`flattenedFields`, `joins`, `polymorphicJoins`, `blocks`): which fields a query path can walk,
 * which collections each entity references (and so whose deletes change it through foreign keys),
 * and which collections its joins read. Built once per Payload instance.
 */

/** The members of Payload's `FlattenedField` that decide which tables a query path reads. */
export type Field = {
  name: string
  type: string
  localized?: boolean
  hasMany?: boolean
  relationTo?: string | string[]
  /** Join fields: the collection(s) joined. */
  collection?: string | string[]
  where?: unknown
  defaultSort?: unknown
  virtual?: boolean | string
  flattenedFields?: Field[]
  blocks?: Block[]
  blockReferences?: (string | Block)[]
}

type Block = { slug: string; flattenedFields?: Field[] }

/** A join field of a collection, as Payload sanitized it. */
export type Join = {
  /** The key of the read's `joins` argument (`comments`, `group.comments`). */
  path: string
  field: Field
  /** Collections the join reads. */
  collections: string[]
}

export type Entity = {
  kind: 'collection' | 'global'
  slug: string
  fields: Field[]
  /** Fields of the versions table: `parent`, `version.*`, `latest`, ... */
  versionFields: Field[]
  /** Collections the entity's relationship and upload fields point to, at any depth. */
  references: ReadonlySet<string>
  joins: Join[]
  /** Ids as the database compares them (collections only). */
  idType: IDType
  /** Fallback sort of the entity (`defaultSort`), also applied to joins over it. */
  defaultSort?: unknown
}

/** What the sanitized config offers; typed loosely so that the cache does not depend on its generics. */
export type ConfigLike = {
  collections: ReadonlyArray<{
    slug: string
    flattenedFields: unknown[]
    joins?: Record<string, ReadonlyArray<{ field: unknown; joinPath: string }>>
    polymorphicJoins?: ReadonlyArray<{ field: unknown; joinPath: string }>
    defaultSort?: unknown
  }>
  globals: ReadonlyArray<{ slug: string; flattenedFields: unknown[] }>
  blocks?: ReadonlyArray<{ slug: string; flattenedFields?: unknown[] }>
  localization?: false | { localeCodes?: string[] } | unknown
}

export const asArray = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

/**
 * The flattened fields Payload's `sanitizeConfig` gives every collection and global. Without them
 * no path can be placed and no reference found, so a config that lacks them is refused.
 */
const sanitizedFields = (
  kind: Entity['kind'],
  entity: { slug: string; flattenedFields?: unknown },
): Field[] => {
  if (!Array.isArray(entity.flattenedFields)) {
    throw new Error(
      `payload-kv-cache: ${kind} '${entity.slug}' has no flattenedFields; the cache needs the sanitized config Payload passes to the adapter's init`,
    )
  }
  return entity.flattenedFields as Field[]
}

/** The fields of a versions table (Payload's `buildVersionCollectionFields` / `...GlobalFields`). */
const versionFieldsOf = (slug: string, kind: Entity['kind'], fields: Field[]): Field[] => {
  const leaf = (name: string, type: string): Field => ({ name, type })
  return [
    ...(kind === 'collection' ? [{ name: 'parent', type: 'relationship', relationTo: slug }] : []),
    {
      name: 'version',
      type: 'group',
      flattenedFields: fields.filter((field) => field.name !== 'id'),
    },
    leaf('createdAt', 'date'),
    leaf('updatedAt', 'date'),
    leaf('snapshot', 'checkbox'),
    leaf('publishedLocale', 'select'),
    leaf('latest', 'checkbox'),
    leaf('autosave', 'checkbox'),
  ]
}

export class Schema {
  readonly collections = new Map<string, Entity>()
  readonly globals = new Map<string, Entity>()
  readonly localeCodes: ReadonlySet<string>
  readonly #blocks = new Map<string, Field[]>()
  readonly #reachable = new Map<string, ReadonlySet<string>>()

  constructor(
    config: ConfigLike,
    adapter: { name?: string; defaultIDType?: string; idType?: unknown },
  ) {
    for (const block of config.blocks ?? []) {
      this.#blocks.set(block.slug, (block.flattenedFields ?? []) as Field[])
    }
    const localization = config.localization as { localeCodes?: string[] } | false | undefined
    this.localeCodes = new Set(localization ? (localization.localeCodes ?? []) : [])
    for (const collection of config.collections) {
      const fields = sanitizedFields('collection', collection)
      const joins: Join[] = []
      for (const list of Object.values(collection.joins ?? {})) {
        for (const join of list) joins.push(this.#join(join))
      }
      for (const join of collection.polymorphicJoins ?? []) joins.push(this.#join(join))
      this.collections.set(collection.slug, {
        kind: 'collection',
        slug: collection.slug,
        fields,
        versionFields: versionFieldsOf(collection.slug, 'collection', fields),
        references: this.#references(fields),
        joins,
        idType: collectionIDType(fields, adapter),
        defaultSort: collection.defaultSort,
      })
    }
    for (const global of config.globals) {
      const fields = sanitizedFields('global', global)
      this.globals.set(global.slug, {
        kind: 'global',
        slug: global.slug,
        fields,
        versionFields: versionFieldsOf(global.slug, 'global', fields),
        references: this.#references(fields),
        joins: [],
        idType: 'text',
      })
    }
  }

  #join(join: { field: unknown; joinPath: string }): Join {
    const field = join.field as Field
    return { path: join.joinPath, field, collections: asArray(field.collection) }
  }

  /** The blocks a blocks field can hold, references to `config.blocks` resolved. */
  blocksOf(field: Field): Block[] {
    return (field.blockReferences ?? field.blocks ?? []).map((block) =>
      typeof block === 'string'
        ? { slug: block, flattenedFields: this.#blocks.get(block) ?? [] }
        : block,
    )
  }

  #references(fields: Field[], out = new Set<string>()): Set<string> {
    for (const field of fields) {
      if (field.type === 'relationship' || field.type === 'upload') {
        for (const slug of asArray(field.relationTo)) out.add(slug)
      }
      if (field.flattenedFields) this.#references(field.flattenedFields, out)
      if (field.type === 'blocks') {
        for (const block of this.blocksOf(field)) this.#references(block.flattenedFields ?? [], out)
      }
    }
    return out
  }

  entity(kind: Entity['kind'], slug: string): Entity | undefined {
    return (kind === 'collection' ? this.collections : this.globals).get(slug)
  }

  /**
   * Every collection a read of this entity can reach through relationships, uploads and joins, at
   * any distance: what a query path through it may read, and so the coarse dependency of a read
   * whose query the walker cannot place.
   */
  reachable(kind: Entity['kind'], slug: string): ReadonlySet<string> {
    const cacheKey = `${kind}:${slug}`
    const known = this.#reachable.get(cacheKey)
    if (known) return known
    const out = new Set<string>()
    const queue: Entity[] = []
    const visit = (entity: Entity | undefined) => {
      if (!entity) return
      for (const next of [
        ...entity.references,
        ...entity.joins.flatMap((join) => join.collections),
      ]) {
        if (!out.has(next)) {
          out.add(next)
          queue.push(this.collections.get(next) as Entity)
        }
      }
    }
    const start = this.entity(kind, slug)
    if (kind === 'collection') out.add(slug)
    visit(start)
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) visit(next)
    this.#reachable.set(cacheKey, out)
    return out
  }
}
