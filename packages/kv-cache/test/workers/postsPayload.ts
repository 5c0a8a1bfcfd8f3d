import type { Payload } from 'payload'

const title = { name: 'title', type: 'text' }

/**
 * As much of a Payload instance as the cache reads, for tests inside workerd that run an adapter
 * of their own: one `posts` collection with a title, shaped as Payload's sanitized config (the
 * cache reads the flattened fields), and a silent logger.
 */
export const postsPayload = (): Payload =>
  ({
    config: {
      collections: [{ slug: 'posts', fields: [title], flattenedFields: [title] }],
      globals: [],
    },
    logger: { info() {}, warn() {}, error() {} },
  }) as unknown as Payload
