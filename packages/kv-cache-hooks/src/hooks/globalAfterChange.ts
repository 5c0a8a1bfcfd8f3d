import type { GlobalAfterChangeHook, GlobalSlug } from 'payload'
import type { GlobalInvalidationStrategy } from '../types.js'
import { invalidateTargets } from '../utilities/invalidateTargets.js'

/** Invalidates what `strategy` returns after the global `slug` was updated. */
export const globalAfterChange =
  (slug: GlobalSlug, strategy: GlobalInvalidationStrategy): GlobalAfterChangeHook =>
  async ({ doc, previousDoc, req }) => {
    await invalidateTargets(req, `globals.${slug}`, () =>
      strategy({ global: slug, doc, previousDoc, req }),
    )
    return doc
  }
