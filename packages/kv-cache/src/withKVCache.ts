import type { BaseDatabaseAdapter, DatabaseAdapterObj, Payload } from 'payload'
import { type AdapterInfo, KVCache } from './cache.js'
import { KVCacheConfigError } from './errors.js'
import { isKVNamespace } from './kvStore.js'
import { methodSpec, type ReadMethodName } from './methods.js'
import { resolveOptions } from './options.js'
import type { KVBinding, KVCacheOptions } from './types.js'

/**
 * The cache of every wrapped instance, shared by every copy of this module in the process:
 * Next.js bundles a package once per layer (route handlers, server components), and `getPayload`
 * hands all of them the same Payload instance, so a module-level map would find no cache from a
 * server component when a route handler built the instance.
 */
const registry = globalThis as { [key: symbol]: WeakMap<object, KVCache> | undefined }
const CACHES = Symbol.for('payload-kv-cache.caches')
const caches = registry[CACHES] ?? new WeakMap<object, KVCache>()
registry[CACHES] = caches

/** The cache of a Payload instance, or `undefined` when its adapter is not wrapped. */
export const cacheOf = (payload: Pick<Payload, 'db'> | object): KVCache | undefined =>
  caches.get(payload) ?? caches.get((payload as { db?: object }).db ?? {})

type AnyFunction = (...args: unknown[]) => unknown

/** Adapter helpers named like writes that change no stored document. */
const NOT_WRITES = new Set(['createDatabase', 'createExtensions', 'createJSONQuery'])

const isWriteShaped = (name: string): boolean =>
  !NOT_WRITES.has(name) &&
  /^(bulk|clear|copy|create|decrement|delete|drop|increment|insert|move|patch|purge|put|remove|replace|restore|save|set|trash|truncate|update|upsert|write)/.test(
    name,
  )

/**
 * One object, one state: a Proxy over the adapter that replaces only the classified methods.
 * Everything else (`drizzle`, `tables`, `sessions`, assignments such as `migrationDir = ...`,
 * `'drizzle' in payload.db`) reaches the adapter itself. Methods run with `this` bound to the
 * adapter, as Payload calls them, so the adapter's own internal calls are untouched.
 */
const wrapAdapter = <T extends BaseDatabaseAdapter>(adapter: T, cache: KVCache): T => {
  const wrappers = new Map<PropertyKey, { original: AnyFunction; wrapper: AnyFunction }>()
  const wrap = (name: string, original: AnyFunction): AnyFunction | undefined => {
    const spec = methodSpec(name)
    const call = (args: unknown[]) => () => Promise.resolve(original.apply(adapter, args))
    if (!spec) {
      // A member the map does not know, called from outside the adapter (its own methods call
      // each other on the unwrapped object). Named like a write, it may be one a newer Payload
      // added: it flushes everything rather than leave stale entries behind.
      if (!isWriteShaped(name)) return undefined
      return (...args) =>
        cache.unclassifiedWrite(name, (args[0] ?? {}) as Record<string, unknown>, call(args))
    }
    switch (spec.kind) {
      case 'read':
        return (...args) =>
          cache.read(
            name as ReadMethodName,
            spec.target,
            (args[0] ?? {}) as Record<string, unknown>,
            call(args),
          )
      case 'write':
        return (...args) =>
          cache.write(spec, (args[0] ?? {}) as Record<string, unknown>, call(args))
      case 'transaction':
        if (name === 'commitTransaction') return (...args) => cache.commit(args[0], call(args))
        if (name === 'rollbackTransaction') return (...args) => cache.rollback(args[0], call(args))
        return undefined
      case 'migration':
        return (...args) => cache.migration(call(args))
      case 'lifecycle':
        if (name === 'destroy') return (...args) => cache.destroy(call(args))
        if (name === 'connect') return (...args) => cache.connect(call(args))
        if (name === 'init') return (...args) => cache.init(call(args))
        return undefined
      default:
        return undefined
    }
  }
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      const known = wrappers.get(property)
      if (known?.original === value) return known.wrapper
      const wrapper = wrap(property, value as AnyFunction)
      if (!wrapper) return value
      wrappers.set(property, { original: value as AnyFunction, wrapper })
      return wrapper
    },
  })
}

/**
 * Wraps a Payload database adapter factory so that reads are served from an in-isolate memory tier
 * and Cloudflare Workers KV, and writes invalidate exactly what they change.
 *
 * @example
 * db: withKVCache(sqliteD1Adapter({ binding: env.D1 }), env.CACHE, { ttl: 300 })
 *
 * @param adapter What `postgresAdapter(...)`, `sqliteAdapter(...)`, `sqliteD1Adapter(...)` or any
 *   other factory returns.
 * @param kv A KV namespace binding, or a function returning one (sync or async).
 * @param options See `KVCacheOptions`; validated here, and slugs when Payload starts.
 */
export const withKVCache = <T extends DatabaseAdapterObj>(
  adapter: T,
  kv: KVBinding,
  options: KVCacheOptions = {},
): T => {
  if (!adapter || typeof adapter !== 'object' || typeof adapter.init !== 'function') {
    throw new KVCacheConfigError(
      'the first argument must be a database adapter such as sqliteD1Adapter({ ... }), i.e. an object with init()',
    )
  }
  if (typeof kv !== 'function' && !isKVNamespace(kv)) {
    throw new KVCacheConfigError(
      `the second argument must be a KV namespace binding (e.g. env.CACHE) or a function returning one, got ${
        kv === null ? 'null' : typeof kv
      }`,
    )
  }
  const resolved = resolveOptions(options)
  // Keep every own property of the factory result (name, defaultIDType, allowIDOnCreate, and
  // whatever another decorator added), getters included; replace only `init`.
  const wrapped = Object.defineProperties({}, Object.getOwnPropertyDescriptors(adapter)) as T
  wrapped.init = ({ payload }: { payload: Payload }) => {
    const inner = adapter.init({ payload })
    if (resolved.disabled) return inner
    const cache = new KVCache(payload, kv, resolved, inner as AdapterInfo)
    const proxy = wrapAdapter(inner as BaseDatabaseAdapter, cache)
    caches.set(payload, cache)
    caches.set(proxy, cache)
    return proxy as ReturnType<T['init']>
  }
  return wrapped
}
