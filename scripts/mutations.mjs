// Usage: npx -y pnpm@10.34.9 exec node scripts/with-postgres.mjs node scripts/mutations.mjs [word...]
//
// The mutation check of the query grammar fuzzer (packages/kv-cache/test/suites/fuzz/): for each
// family of stale reads the dependency resolution prevents, it takes the fix out of the source,
// runs the fuzzer, and reports whether the fuzzer went red (it must), then restores the source.
// The families marked `lagging` do the same for what keeps fills fresh behind a lagging replica
// (src/freshness/), with the lagging-replica fuzzer (test/laggingFuzz.test.ts) or the Hyperdrive
// test. Run it from a clean working tree; it restores every file it touched, also on Ctrl-C.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const src = (file) => join(root, 'packages/kv-cache/src', file)

// Without this, a construct the walker does not understand still depends on everything reachable
// (fail closed), so taking out one construct's handling would not make a read stale: the old,
// fail-open behaviour is restored alongside the mutations marked `failOpen`.
const failOpen = {
  file: 'dependencies/dependencies.ts',
  from: 'const crossed = walk.unknown ? this.schema.reachable(entity.kind, entity.slug) : walk.crossed',
  to: 'const crossed = walk.crossed',
}

const families = [
  {
    // On its own, expected to stay green: every construct Payload accepts is placed precisely,
    // so nothing falls back. It is what makes each construct below safe to get wrong.
    name: 'fail closed, alone (expected: not caught)',
    expectMissed: true,
    edits: [failOpen],
  },
  {
    name: 'and / or in any letter case',
    failOpen: true,
    edits: [
      {
        file: 'dependencies/queryPaths.ts',
        from: "return lower === 'and' || lower === 'or' ? lower : undefined",
        to: "return key === 'and' || key === 'or' ? key : undefined",
      },
    ],
  },
  {
    name: '__ as a path separator in where and sort',
    failOpen: true,
    edits: [
      {
        file: 'dependencies/queryPaths.ts',
        from: "const path = key.replace(/__/g, '.')",
        to: 'const path = key',
      },
      {
        file: 'dependencies/queryPaths.ts',
        from: "this.path(fields, path.replace(/__/g, '.'), walk)",
        to: 'this.path(fields, path, walk)',
      },
    ],
  },
  {
    name: 'a nested where under contains (relationships and joins)',
    failOpen: true,
    edits: [
      {
        file: 'dependencies/queryPaths.ts',
        from: "if (operator === 'contains' && isNestedRelationshipQuery(operand)) {",
        to: 'if (false) {',
      },
    ],
  },
  {
    name: 'deletes: pushed to every collection and global that references the deleted one',
    edits: [
      {
        file: 'dependencies/dependencies.ts',
        from: '      for (const token of this.#referrers.get(write.slug) ?? []) out.push(token)\n',
        to: '',
      },
    ],
  },
  {
    name: "join queries: the join's where and sort, configured and requested",
    edits: [
      {
        file: 'dependencies/queryPaths.ts',
        from: '          this.where(fields, join.field.where, inner)\n',
        to: '',
      },
      {
        file: 'dependencies/queryPaths.ts',
        from: '          this.where(fields, query.where, inner)\n          this.sort(fields, query.sort, inner)\n',
        to: '',
      },
    ],
  },
  {
    name: 'canonical ids (number ids)',
    edits: [
      {
        file: 'dependencies/ids.ts',
        from: "  if (typeof id !== 'string' && typeof id !== 'number') return undefined\n",
        to: "  if (typeof id !== 'string' && typeof id !== 'number') return undefined\n  return String(id)\n",
      },
    ],
  },
  {
    name: 'canonical ids (uuid on PostgreSQL)',
    postgres: 'uuid',
    edits: [
      {
        file: 'dependencies/ids.ts',
        from: "      return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : undefined",
        to: "      return typeof id === 'string' && UUID.test(id) ? id : undefined",
      },
    ],
  },
]

// The key of a read must be exact (issue 17): the fuzzer asks each query with an odd value beside
// its JSON image, so a key that merged them serves one the other's answer.
families.push(
  {
    name: 'exact keys: numbers JSON cannot write (NaN, Infinity, -0)',
    edits: [
      {
        file: 'storage/encodeKey.ts',
        from: "  if (Number.isFinite(value)) return Object.is(value, -0) ? '-0' : String(value)\n",
        to: '  return JSON.stringify(value)\n',
      },
    ],
  },
  {
    name: 'exact keys: members holding undefined',
    edits: [
      {
        file: 'storage/encodeKey.ts',
        from: '  const keys = Object.keys(record).sort()\n',
        to: '  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort()\n',
      },
    ],
  },
)

// Issue 19: no fill from a source older than the tokens it is stored under (src/freshness/). The
// lagging fuzzer reads through replicas held back (D1 double) or applying commits late (PostgreSQL).
const laggingD1 = { file: 'laggingFuzz.test.ts', filter: 'node:sqlite' }
const laggingPostgres = { file: 'laggingFuzz.test.ts', filter: 'PostgreSQL with a real replica' }
families.push(
  {
    name: 'lagging replicas: a fill stores what it read, wherever it read it',
    lagging: laggingD1,
    edits: [
      {
        file: 'freshness/readFresh.ts',
        from: '  if (!source) return { result: await read.call(), storable: true }',
        to: '  if (source || !source) return { result: await read.call(), storable: true }',
      },
    ],
  },
  {
    name: "D1: a miss does not move its session to the writers' bookmark",
    lagging: laggingD1,
    edits: [
      {
        file: 'freshness/d1Sessions.ts',
        from: 'this.#start(furthest(requirement.position, this.#seen))',
        to: 'void furthest',
      },
    ],
  },
  {
    // Fail closed: a token without a bookmark sends the miss to the primary. Costs, never stale.
    name: 'D1: writes record no bookmark, alone (expected: not caught)',
    expectMissed: true,
    lagging: laggingD1,
    edits: [
      {
        file: 'freshness/d1Sessions.ts',
        from: 'if (!external || !this.#binding) return d1Position(this.#seen)',
        to: 'if (!external || !this.#binding) return undefined',
      },
    ],
  },
  {
    name: 'PostgreSQL: replicas taken as caught up without asking them',
    postgres: 'replica',
    lagging: laggingPostgres,
    edits: [
      {
        file: 'freshness/postgresReplicas.ts',
        from: '    if (known()) return true\n',
        to: '    return true\n',
      },
    ],
  },
  {
    name: 'PostgreSQL: a miss the replicas cannot serve yet reads them anyway',
    postgres: 'replica',
    lagging: laggingPostgres,
    edits: [
      {
        file: 'freshness/postgresReplicas.ts',
        from: 'const { pending, routed } = this.#onPrimary(call)',
        to: 'const { pending, routed } = { pending: call(), routed: true }',
      },
    ],
  },
  {
    name: "Hyperdrive: a fill inside the cache's window is stored",
    postgres: 'server',
    lagging: { file: 'hyperdrive.test.ts', filter: 'Hyperdrive' },
    edits: [
      {
        file: 'freshness/hyperdrive.ts',
        from: '  newest > 0 && now - newest < cache.windowMs + CLOCK_SKEW_MS',
        to: '  false && newest > 0 && now - newest < cache.windowMs + CLOCK_SKEW_MS',
      },
    ],
  },
)

const seeds = (process.env.MUTATION_SEEDS ?? '1,2,3').split(',').map(Number)
const steps = process.env.MUTATION_STEPS ?? '300'
const only = process.argv.slice(2)

const originals = new Map()
const restore = () => {
  for (const [path, text] of originals) writeFileSync(path, text)
  originals.clear()
}
process.on('SIGINT', () => {
  restore()
  process.exit(130)
})

const apply = ({ file, from, to }) => {
  const path = src(file)
  const text = readFileSync(path, 'utf8')
  if (!originals.has(path)) originals.set(path, text)
  if (!text.includes(from)) throw new Error(`mutation target not found in ${file}: ${from}`)
  writeFileSync(path, text.replace(from, to))
}

const fuzz = (seed, family) => {
  const { postgres, lagging } = family
  const file = lagging?.file ?? 'fuzz.test.ts'
  const filter = lagging?.filter ?? (postgres === 'uuid' ? 'postgres \\(uuid' : 'on sqlite')
  const env = { ...process.env, FUZZ_SEED: String(seed) }
  if (lagging) env.FUZZ_STEPS = process.env.MUTATION_LAGGING_STEPS ?? '20'
  else env.FUZZ_STEPS = steps
  const result = spawnSync(
    join(root, 'node_modules/.bin/vitest'),
    ['run', '--project', 'node', `packages/kv-cache/test/${file}`, '-t', filter],
    { cwd: root, encoding: 'utf8', env },
  )
  const out = `${result.stdout}${result.stderr}`.replace(
    new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'),
    '',
  )
  const failure = /AssertionError: (seed \d+, step \d+[^\n]*)\n\s*query: ([^\n]*)/.exec(out)
  const other = /AssertionError: ([^\n]*)/.exec(out)
  const passed = /Tests +\d+ passed/.test(out) && !/Tests +.*failed/.test(out)
  return {
    passed,
    failure: failure
      ? `${failure[1]} | ${failure[2].slice(0, 160)}`
      : other
        ? `${file}: ${other[1].slice(0, 200)}`
        : undefined,
  }
}

let missed = 0
try {
  for (const family of families) {
    if (only.length && !only.some((word) => family.name.includes(word))) continue
    if (family.postgres === 'replica' && !process.env.DATABASE_REPLICA_URL) {
      console.log(`- ${family.name}: skipped (needs the PostgreSQL replica of with-postgres.mjs)`)
      continue
    }
    if (family.postgres && !process.env.DATABASE_URL) {
      console.log(
        `- ${family.name}: skipped (needs PostgreSQL: run under scripts/with-postgres.mjs)`,
      )
      continue
    }
    for (const edit of [...family.edits, ...(family.failOpen ? [failOpen] : [])]) apply(edit)
    let caught
    for (const seed of seeds) {
      const run = fuzz(seed, family)
      if (!run.passed) {
        caught = run.failure ?? `seed ${seed}: red, see vitest's output`
        break
      }
    }
    restore()
    if (caught) console.log(`✓ ${family.name}: caught — ${caught}`)
    else if (family.expectMissed) console.log(`- ${family.name}: not caught, as expected`)
    else {
      missed++
      console.log(`✗ ${family.name}: NOT caught with seeds ${seeds.join(', ')} × ${steps} steps`)
    }
  }
} finally {
  restore()
}
process.exit(missed ? 1 : 0)
