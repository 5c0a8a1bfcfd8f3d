import { KVCacheConfigError } from '../errors.js'
import type { HyperdriveCache } from '../freshness/hyperdrive.js'
import { hyperdriveOption } from '../freshness/hyperdriveOption.js'
import type { KVCacheOptions } from '../types.js'

export type ResolvedOptions = Required<
  Pick<
    KVCacheOptions,
    | 'authenticatedReads'
    | 'circuitCooldownMs'
    | 'circuitThreshold'
    | 'debug'
    | 'enabled'
    | 'invalidationCheckMs'
    | 'maxEntryBytes'
    | 'namespace'
    | 'staleWhileRevalidate'
    | 'timeoutMs'
    | 'ttl'
  >
> &
  Pick<
    KVCacheOptions,
    'collections' | 'globals' | 'key' | 'kvWriteBudget' | 'onEvent' | 'waitUntil'
  > & {
    memoryMaxBytes: number
    admission: NonNullable<KVCacheOptions['admission']>
    /** `undefined`: not given (detected at start-up); `false`: no cache; else with its window. */
    hyperdrive: false | HyperdriveCache | undefined
    /** Seconds; `0` when off. */
    staleIfError: number
    hedgeMs: number | 'auto' | false
  }

/**
 * Bytes each kind of per-query and per-token state may take beside the memory tier (token states,
 * query plans): an eighth of `memory.maxBytes`, at least 256 KiB.
 */
export const stateMaxBytes = (options: Pick<ResolvedOptions, 'memoryMaxBytes'>): number =>
  Math.max(256 * 1024, Math.floor(options.memoryMaxBytes / 8))

/** KV's largest value, 25 MiB: an entry (its header and identity, then the result) must fit. */
const MAX_KV_VALUE_BYTES = 25 * 1024 * 1024

const ADMISSIONS: ReadonlySet<string> = new Set(['always', 'reused'])

const positiveInteger = (value: unknown, name: string, unit: string): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new KVCacheConfigError(
      `${name} must be a positive whole number of ${unit}, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** Like `positiveInteger`, zero allowed. */
const wholeNumber = (value: unknown, name: string, unit: string): number =>
  value === 0 ? 0 : positiveInteger(value, name, unit)

const checkPolicies = (policies: unknown, name: string): void => {
  if (policies === undefined) return
  if (typeof policies !== 'object' || policies === null || Array.isArray(policies)) {
    throw new KVCacheConfigError(`${name} must be an object keyed by slug`)
  }
  for (const [slug, policy] of Object.entries(policies)) {
    if (typeof policy === 'boolean') continue
    if (typeof policy !== 'object' || policy === null) {
      throw new KVCacheConfigError(`${name}.${slug} must be true, false or { ttl }`)
    }
    const { ttl, ...rest } = policy as { ttl?: unknown }
    const unknown = Object.keys(rest)
    if (unknown.length) {
      throw new KVCacheConfigError(`${name}.${slug} has unknown option(s): ${unknown.join(', ')}`)
    }
    if (ttl !== undefined) positiveInteger(ttl, `${name}.${slug}.ttl`, 'seconds')
  }
}

/** Every option `withKVCache` knows; anything else is a mistake, reported at once. */
const OPTION_NAMES: ReadonlySet<string> = new Set<keyof KVCacheOptions>([
  'admission',
  'authenticatedReads',
  'circuitCooldownMs',
  'circuitThreshold',
  'collections',
  'debug',
  'disabled',
  'enabled',
  'globals',
  'hyperdrive',
  'hedgeMs',
  'invalidationCheckMs',
  'key',
  'kvWriteBudget',
  'maxEntryBytes',
  'maxStaleMs',
  'memory',
  'namespace',
  'onEvent',
  'staleIfError',
  'staleWhileRevalidate',
  'timeoutMs',
  'ttl',
  'waitUntil',
])

const unknownKeys = (value: object, known: ReadonlySet<string>, where: string): void => {
  const unknown = Object.keys(value).filter((key) => !known.has(key))
  if (unknown.length) {
    throw new KVCacheConfigError(
      `${where} has unknown option(s) ${unknown.join(', ')}; valid: ${[...known].join(', ')}`,
    )
  }
}

const booleanOption = (value: unknown, name: string, fallback: boolean): boolean => {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') {
    // e.g. `disabled: process.env.CACHE_OFF` is the string 'false', which would turn the cache off.
    throw new KVCacheConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`)
  }
  return value
}

/** Validates what can be checked before Payload exists. Throws `KVCacheConfigError`. */
export const resolveOptions = (options: KVCacheOptions = {}): ResolvedOptions => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new KVCacheConfigError('options must be an object')
  }
  unknownKeys(options, OPTION_NAMES, 'options')
  const namespace = options.namespace ?? 'payload'
  if (typeof namespace !== 'string' || !/^[\w.-]{1,64}$/.test(namespace)) {
    throw new KVCacheConfigError(
      `namespace must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(namespace)}`,
    )
  }
  checkPolicies(options.collections, 'collections')
  checkPolicies(options.globals, 'globals')
  const memory = options.memory ?? {}
  let memoryMaxBytes = 0
  if (memory !== false) {
    if (typeof memory !== 'object' || memory === null || Array.isArray(memory)) {
      throw new KVCacheConfigError('memory must be false or { maxBytes }')
    }
    unknownKeys(memory, new Set(['maxBytes']), 'memory')
    memoryMaxBytes =
      memory.maxBytes === undefined
        ? 8 * 1024 * 1024
        : positiveInteger(memory.maxBytes, 'memory.maxBytes', 'bytes')
  }
  for (const fn of ['key', 'onEvent', 'waitUntil'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      throw new KVCacheConfigError(`${fn} must be a function`)
    }
  }
  const authenticatedReads = options.authenticatedReads ?? 'database'
  if (authenticatedReads !== 'database' && authenticatedReads !== 'cache') {
    throw new KVCacheConfigError(
      `authenticatedReads must be 'database' or 'cache', got ${JSON.stringify(authenticatedReads)}`,
    )
  }
  if (options.enabled !== undefined && options.disabled !== undefined) {
    throw new KVCacheConfigError(
      'give enabled or disabled, not both (disabled is the old name: use enabled: false)',
    )
  }
  if (options.invalidationCheckMs !== undefined && options.maxStaleMs !== undefined) {
    throw new KVCacheConfigError(
      'give invalidationCheckMs or maxStaleMs, not both (maxStaleMs is the old name)',
    )
  }
  const checkMs = options.invalidationCheckMs ?? options.maxStaleMs
  const admission = options.admission ?? 'always'
  if (!ADMISSIONS.has(admission)) {
    throw new KVCacheConfigError(
      `admission must be one of ${[...ADMISSIONS].map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(admission)}`,
    )
  }
  const staleIfError = options.staleIfError ?? 60
  const maxEntryBytes =
    options.maxEntryBytes === undefined
      ? 1024 * 1024
      : positiveInteger(options.maxEntryBytes, 'maxEntryBytes', 'bytes')
  if (maxEntryBytes > MAX_KV_VALUE_BYTES - 64 * 1024) {
    throw new KVCacheConfigError(
      `maxEntryBytes must leave room under KV's 25 MiB value limit for the entry's header (at most ${MAX_KV_VALUE_BYTES - 64 * 1024}), got ${maxEntryBytes}`,
    )
  }
  return {
    admission,
    authenticatedReads,
    circuitCooldownMs:
      options.circuitCooldownMs === undefined
        ? 5_000
        : positiveInteger(options.circuitCooldownMs, 'circuitCooldownMs', 'milliseconds'),
    circuitThreshold:
      options.circuitThreshold === undefined
        ? 5
        : positiveInteger(options.circuitThreshold, 'circuitThreshold', 'failures'),
    collections: options.collections,
    debug: booleanOption(options.debug, 'debug', false),
    enabled:
      options.disabled === undefined
        ? booleanOption(options.enabled, 'enabled', true)
        : !booleanOption(options.disabled, 'disabled', false),
    globals: options.globals,
    hyperdrive: hyperdriveOption(options.hyperdrive),
    hedgeMs:
      options.hedgeMs === undefined || options.hedgeMs === 'auto' || options.hedgeMs === false
        ? (options.hedgeMs ?? 'auto')
        : wholeNumber(options.hedgeMs, 'hedgeMs', "milliseconds (or 'auto' or false)"),
    key: options.key,
    kvWriteBudget:
      options.kvWriteBudget === undefined
        ? undefined
        : positiveInteger(options.kvWriteBudget, 'kvWriteBudget', 'KV writes a day'),
    maxEntryBytes,
    invalidationCheckMs:
      checkMs === undefined
        ? 5_000
        : positiveInteger(
            checkMs,
            options.invalidationCheckMs === undefined ? 'maxStaleMs' : 'invalidationCheckMs',
            'milliseconds',
          ),
    memoryMaxBytes,
    namespace,
    onEvent: options.onEvent,
    staleIfError:
      staleIfError === false || staleIfError === 0
        ? 0
        : positiveInteger(staleIfError, 'staleIfError', 'seconds (or false)'),
    staleWhileRevalidate:
      options.staleWhileRevalidate === undefined || options.staleWhileRevalidate === 0
        ? 0
        : positiveInteger(options.staleWhileRevalidate, 'staleWhileRevalidate', 'seconds'),
    timeoutMs:
      options.timeoutMs === undefined
        ? 1_000
        : positiveInteger(options.timeoutMs, 'timeoutMs', 'milliseconds'),
    ttl: options.ttl === undefined ? 300 : positiveInteger(options.ttl, 'ttl', 'seconds'),
    waitUntil: options.waitUntil,
  }
}
