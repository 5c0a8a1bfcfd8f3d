import type { DatabaseAdapterObj } from 'payload'

/**
 * Adapter decorators used *under* the cache in tests. They are also what a user's own decorator
 * looks like, so every test that uses them shows that `withKVCache` composes with another one.
 */

type AnyFn = (...args: unknown[]) => Promise<unknown>

export type CallLog = {
  /** Database calls by method name. */
  calls: Map<string, number>
  count(method: string): number
  reset(): void
  /**
   * Holds the next call of `method` whose first argument matches, until `release()` is called.
   * Resolves `reached` once the call arrived at the database.
   */
  hold(
    method: string,
    matches?: (args: Record<string, unknown>) => boolean,
  ): { reached: Promise<void>; release(): void }
}

/** Counts (and can hold) the calls that reach the real adapter. */
export const observeAdapter = (factory: DatabaseAdapterObj): [DatabaseAdapterObj, CallLog] => {
  const calls = new Map<string, number>()
  const holds: {
    method: string
    matches: (args: Record<string, unknown>) => boolean
    arrived: () => void
    gate: Promise<void>
  }[] = []
  const log: CallLog = {
    calls,
    count: (method) => calls.get(method) ?? 0,
    reset: () => calls.clear(),
    hold(method, matches = () => true) {
      let arrived!: () => void
      let release!: () => void
      const reached = new Promise<void>((resolve) => {
        arrived = resolve
      })
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      holds.push({ method, matches, arrived, gate })
      return { reached, release }
    },
  }
  const wrapped: DatabaseAdapterObj = {
    ...factory,
    init: (args) => {
      const adapter = factory.init(args)
      const observed = new Map<string, { value: unknown; wrapper: AnyFn }>()
      return new Proxy(adapter, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver)
          if (typeof property !== 'string' || typeof value !== 'function') return value
          if (!/^(find|count|query|create|update|delete|upsert)/.test(property)) return value
          const known = observed.get(property)
          if (known && known.value === value) return known.wrapper
          const wrapper = async (...args: unknown[]) => {
            calls.set(property, (calls.get(property) ?? 0) + 1)
            const first = (args[0] ?? {}) as Record<string, unknown>
            const index = holds.findIndex((h) => h.method === property && h.matches(first))
            if (index >= 0) {
              const [held] = holds.splice(index, 1)
              if (held) {
                // Read now, answer later: the result reflects the database at the time of the call.
                const result = await (value as AnyFn).apply(target, args)
                held.arrived()
                await held.gate
                return result
              }
            }
            return (value as AnyFn).apply(target, args)
          }
          observed.set(property, { value, wrapper })
          return wrapper
        },
      })
    },
  }
  return [wrapped, log]
}
