import type { PayloadRequest } from 'payload'
import { internalSlugs } from 'payload-kv-cache/internal'

/** What `POST /api/kv-cache/purge` accepts: exactly one of `collection`, `global` and `all`. */
export type PurgeBody =
  | { collection: string; cursor?: string }
  | { global: string; cursor?: string }
  | { all: true; cursor?: string }

const FIELDS = ['collection', 'global', 'all', 'cursor']

/**
 * Reads and checks the body of a purge request. Returns the body, or a sentence saying what is
 * wrong with it (for a 400).
 */
export const parsePurgeBody = async (req: PayloadRequest): Promise<PurgeBody | string> => {
  let body: unknown
  try {
    body = req.data ?? (await req.json?.())
  } catch {
    return 'the body must be JSON'
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return 'the body must be a JSON object: { collection } | { global } | { all: true }'
  }
  const unknown = Object.keys(body).filter((key) => !FIELDS.includes(key))
  if (unknown.length) return `unknown field(s) ${unknown.join(', ')}; expected ${FIELDS.join(', ')}`
  const { all, collection, cursor, global } = body as Record<string, unknown>
  if (cursor !== undefined && (typeof cursor !== 'string' || !cursor)) {
    return 'cursor must be the string a previous purge returned'
  }
  if ([collection, global, all].filter((value) => value !== undefined).length !== 1) {
    return 'give exactly one of collection, global or all: true'
  }
  const more = cursor === undefined ? {} : { cursor }

  if (all !== undefined) return all === true ? { all, ...more } : 'all must be true'
  if (collection !== undefined) {
    // Payload's internal collections are never cached: nothing to purge, so not offered.
    const valid = Object.keys(req.payload.collections).filter((slug) => !internalSlugs.has(slug))
    return typeof collection === 'string' && valid.includes(collection)
      ? { collection, ...more }
      : `unknown collection ${JSON.stringify(collection)}; valid: ${valid.join(', ')}`
  }
  const valid = req.payload.config.globals
    .map((each) => each.slug)
    .filter((slug) => !internalSlugs.has(slug))
  return typeof global === 'string' && valid.includes(global)
    ? { global, ...more }
    : `unknown global ${JSON.stringify(global)}; valid: ${valid.join(', ') || '(none)'}`
}
