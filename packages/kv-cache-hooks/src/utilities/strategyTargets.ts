import type { InvalidationTarget } from 'payload-kv-cache'
import type { CollectionInvalidationArgs, CollectionInvalidationStrategy } from '../types.js'

/** The targets a collection strategy names for one written document. */
export const strategyTargets = (
  strategy: CollectionInvalidationStrategy,
  args: CollectionInvalidationArgs,
): InvalidationTarget[] | Promise<InvalidationTarget[]> => {
  if (strategy === 'item') return [{ collection: args.collection, id: args.doc.id }]
  if (strategy === 'collection') return [{ collection: args.collection }]
  return strategy(args)
}
