/**
 * `payload-kv-cache/internal`: what this repository's other packages (the hooks plugin, the bench)
 * and tests use of the core's insides. Not part of the public API: it may change in any release.
 */
export {
  type AdapterMethodName,
  adapterMethods,
  type MethodKind,
  type MethodSpec,
  methodSpec,
  type ReadMethodName,
} from '../adapter/adapterMethods.js'
export { type ConfigLike, type Entity, Schema } from '../dependencies/schema.js'
export { internalSlugs } from '../options/entityPolicies.js'
export { type FillRecord, recordFill } from '../read/recordFill.js'
export { encodeKey } from '../storage/encodeKey.js'
export {
  decodeEntry,
  ENTRY_VERSION,
  encodeEntry,
  entryIdentity,
  queryIdentity,
} from '../storage/entryFormat.js'
export { fingerprint, sha256 } from '../storage/hashes.js'
export { parseResult, serializeResult } from '../storage/serializeResult.js'
export {
  entityPrefix,
  entryKey,
  isTokenKey,
  kvKey,
  namespacePrefix,
  parseEntryKey,
  tokenKey,
  tokenPrefix,
} from '../storage/storageKeys.js'
export {
  ALL,
  collectionItems,
  collectionList,
  documentToken,
  entityOfToken,
  globalToken,
} from '../storage/tokenNames.js'
export { targetProblem } from '../write/invalidate.js'
