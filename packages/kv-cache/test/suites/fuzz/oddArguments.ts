import type { Random } from './generator.js'

/**
 * Values JSON cannot write, which careless callers pass (`Number(param)` is `NaN`, an absent
 * parameter is `undefined`): each is turned into something else by JSON, which the database may
 * answer differently.
 */
const ODD_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  undefined,
  5n,
]

/** An odd value in place of a plain one, now and then; notes it on the generator. */
export const odd = <T>(
  g: Random,
  plain: T,
  values: readonly unknown[] = ODD_NUMBERS,
): T | unknown => {
  if (!g.oddChance(0.12)) return plain
  g.odd = true
  return g.oddPick(values)
}

/** Arguments as a failure message shows them: odd values spelled out, not as JSON writes them. */
export const describeArgs = (args: unknown): string =>
  JSON.stringify(args, (_key, value: unknown) =>
    value === undefined
      ? 'undefined'
      : typeof value === 'bigint'
        ? `${value}n`
        : typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))
          ? String(Object.is(value, -0) ? '-0' : value)
          : value,
  )

/** Arguments as JSON writes them (a bigint as it is spelled): a read's twin, when it has one. */
export const jsonImage = (args: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify(args, (_key, value: unknown) =>
      typeof value === 'bigint' ? `${value}n` : value,
    ),
  ) as Record<string, unknown>
