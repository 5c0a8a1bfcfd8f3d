import type { CollectionAfterChangeHook, CollectionSlug } from 'payload'
import type { CollectionInvalidationStrategy } from '../types.js'
import { invalidateTargets } from '../utilities/invalidateTargets.js'
import { strategyTargets } from '../utilities/strategyTargets.js'

/** Invalidates what `strategy` names after a document of `slug` was created or updated. */
export const collectionAfterChange =
  (slug: CollectionSlug, strategy: CollectionInvalidationStrategy): CollectionAfterChangeHook =>
  async ({ doc, operation, previousDoc, req }) => {
    await invalidateTargets(req, `collections.${slug} (${operation})`, () =>
      strategyTargets(strategy, {
        collection: slug,
        doc,
        previousDoc: operation === 'update' ? previousDoc : undefined,
        operation,
        req,
      }),
    )
    return doc
  }
