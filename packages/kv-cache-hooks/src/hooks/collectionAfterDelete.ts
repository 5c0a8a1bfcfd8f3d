import type { CollectionAfterDeleteHook, CollectionSlug } from 'payload'
import type { CollectionInvalidationStrategy } from '../types.js'
import { invalidateTargets } from '../utilities/invalidateTargets.js'
import { strategyTargets } from '../utilities/strategyTargets.js'

/** Invalidates what `strategy` names after a document of `slug` was deleted. */
export const collectionAfterDelete =
  (slug: CollectionSlug, strategy: CollectionInvalidationStrategy): CollectionAfterDeleteHook =>
  async ({ doc, req }) => {
    await invalidateTargets(req, `collections.${slug} (delete)`, () =>
      strategyTargets(strategy, {
        collection: slug,
        doc,
        previousDoc: undefined,
        operation: 'delete',
        req,
      }),
    )
    return doc
  }
