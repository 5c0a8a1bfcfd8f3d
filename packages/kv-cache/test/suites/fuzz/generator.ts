import { prng } from 'payload-kv-cache-test-fixtures/seed'

/**
 * The construct a new query leans on. Each query draws one, so that every construct keeps a fair
 * share of the pool whatever its odds in the free grammar: `and` / `or` in another case, `__`
 * paths, a nested `contains`, a path ending at a reference two collections away, a join query
 * walking on, or nothing in particular.
 */
export const FEATURES = [
  'logical',
  'separator',
  'nested',
  'reference',
  'join',
  'free',
  'free',
] as const
export type Feature = (typeof FEATURES)[number]

/**
 * The seeded source of every random choice of a run: seeding, reads and writes draw from it in
 * turn, so that one seed gives one sequence. It carries the construct the read being made leans on
 * (`focus`), and whether that read holds an odd value (`odd`, see oddArguments.ts).
 *
 * Odd values draw from a stream of their own (`oddChance`, `oddPick`), so that adding them left
 * every other choice of a seed as it was: the seeds that catch the mutations of
 * scripts/mutations.mjs keep generating the queries and writes that catch them.
 */
export const generator = (seed: number) => {
  const random = prng(seed)
  const oddRandom = prng(seed ^ 0x0dd5eed)
  const int = (max: number) => Math.floor(random() * max)
  const chance = (p: number) => random() < p
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const oddChance = (p: number) => oddRandom() < p
  const oddPick = <T>(items: readonly T[]): T => items[Math.floor(oddRandom() * items.length)] as T
  return { random, int, chance, pick, oddChance, oddPick, focus: 'free' as Feature, odd: false }
}

export type Random = ReturnType<typeof generator>
