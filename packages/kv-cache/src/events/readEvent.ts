import type { ReadMethodName } from '../adapter/adapterMethods.js'
import type { ResolvedOptions } from '../options/resolveOptions.js'
import { fingerprint } from '../storage/hashes.js'

/** What every event about one read says. */
export type ReadEventFields = {
  operation: ReadMethodName
  slug: string
  /** A short hash of the read's identity, safe to log; `''` when nobody listens or none is known. */
  key: string
  durationMs: number
}

/** The fields of an event about a read, hashing its identity only when someone will see it. */
export const readEventFields = (
  options: Pick<ResolvedOptions, 'debug' | 'onEvent'>,
  operation: ReadMethodName,
  slug: string,
  identity: string,
  started: number,
): ReadEventFields => ({
  operation,
  slug,
  key: (options.debug || options.onEvent) && identity ? fingerprint(identity) : '',
  durationMs: Date.now() - started,
})
