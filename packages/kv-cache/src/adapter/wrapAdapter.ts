import type { BaseDatabaseAdapter } from 'payload'
import type { KVCache } from '../KVCache.js'
import { methodSpec, type ReadMethodName } from './adapterMethods.js'

type AnyFunction = (...args: unknown[]) => unknown
type Args = Record<string, unknown>

/** Adapter helpers named like writes that change no stored document. */
const NOT_WRITES = new Set(['createDatabase', 'createExtensions', 'createJSONQuery'])

const isWriteShaped = (name: string): boolean =>
  !NOT_WRITES.has(name) &&
  /^(bulk|clear|copy|create|decrement|delete|drop|increment|insert|move|patch|purge|put|remove|replace|restore|save|set|trash|truncate|update|upsert|write)/.test(
    name,
  )

/** The cache's wrapper of one adapter member, or `undefined` to leave it as it is. */
const wrapperOf = (
  cache: KVCache,
  adapter: object,
  name: string,
  original: AnyFunction,
): AnyFunction | undefined => {
  const spec = methodSpec(name)
  const call = (args: unknown[]) => () => Promise.resolve(original.apply(adapter, args))
  if (!spec) {
    // A member the map does not know, called from outside the adapter (its own methods call each
    // other on the unwrapped object). Named like a write, it may be one a newer Payload added: it
    // flushes everything rather than leave stale entries behind.
    if (!isWriteShaped(name)) return undefined
    return (...args) => cache.unclassifiedWrite(name, (args[0] ?? {}) as Args, call(args))
  }
  switch (spec.kind) {
    case 'read':
      return (...args) =>
        cache.read(name as ReadMethodName, spec.target, (args[0] ?? {}) as Args, call(args))
    case 'write':
      return (...args) => cache.write(spec, (args[0] ?? {}) as Args, call(args))
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

/**
 * One object, one state: a Proxy over the adapter that replaces only the classified methods.
 * Everything else (`drizzle`, `tables`, `sessions`, assignments such as `migrationDir = ...`,
 * `'drizzle' in payload.db`) reaches the adapter itself. Methods run with `this` bound to the
 * adapter, as Payload calls them, so the adapter's own internal calls are untouched.
 */
export const wrapAdapter = <T extends BaseDatabaseAdapter>(adapter: T, cache: KVCache): T => {
  const wrappers = new Map<PropertyKey, { original: AnyFunction; wrapper: AnyFunction }>()
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      const known = wrappers.get(property)
      if (known?.original === value) return known.wrapper
      const wrapper = wrapperOf(cache, adapter, property, value as AnyFunction)
      if (!wrapper) return value
      wrappers.set(property, { original: value as AnyFunction, wrapper })
      return wrapper
    },
  })
}
