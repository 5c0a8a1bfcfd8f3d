// Usage: node scripts/check-cycles.mjs   (run by `pnpm check`)
//
// Fails when any module of the repository's own TypeScript and JavaScript imports itself through
// a chain of others: an import cycle, `import type` included (a cycle closed by a type still ties
// the modules' meaning together). Follows relative imports, and imports of the workspace's own
// packages by name (their `exports` map, `dist/…` read as `src/…`), so a cycle across packages is
// found too. Prints every cycle found, one module per line.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SKIP = new Set(['node_modules', 'dist', '.next', '.open-next', '.wrangler', 'results'])
const SOURCE = /\.(ts|tsx|mts|mjs|js)$/

const files = []
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(path)
  }
}
for (const top of ['packages', 'examples', 'scripts']) walk(join(root, top))

// The workspace's packages by name: each entry point of `exports`, pointed at its source.
const packages = new Map()
for (const top of ['packages', 'examples']) {
  for (const name of readdirSync(join(root, top))) {
    const manifest = join(root, top, name, 'package.json')
    if (!existsSync(manifest)) continue
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
    const dir = join(root, top, name)
    const entries = new Map()
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const file = typeof target === 'string' ? target : (target.import ?? target.default)
      if (typeof file !== 'string') continue
      entries.set(subpath, join(dir, file.replace(/^\.\/dist\//, './src/')))
    }
    packages.set(pkg.name, entries)
  }
}

const candidates = (base) => [
  base,
  base.replace(/\.(m?js)$/, '.ts'),
  base.replace(/\.js$/, '.tsx'),
  base.replace(/\.mjs$/, '.mts'),
  `${base}.ts`,
  `${base}.tsx`,
  join(base, 'index.ts'),
]

const resolveSpecifier = (from, specifier) => {
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(from), specifier)
    return candidates(base).find((file) => existsSync(file) && statSync(file).isFile())
  }
  const match = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(specifier)
  const entries = match && packages.get(match[1])
  if (!entries) return undefined
  const target = entries.get(`.${match[2] ?? ''}`)
  return target && candidates(target).find((file) => existsSync(file))
}

// Static imports and re-exports (type-only too), and dynamic imports with a literal specifier.
const IMPORT =
  /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

const graph = new Map()
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const edges = new Set()
  for (const match of text.matchAll(IMPORT)) {
    const target = resolveSpecifier(file, match[1] ?? match[2])
    if (target && target !== file) edges.add(target)
  }
  graph.set(file, edges)
}

// Tarjan's strongly connected components: every component of more than one module is a cycle.
let index = 0
const indexes = new Map()
const lows = new Map()
const stack = []
const onStack = new Set()
const cycles = []
const connect = (node) => {
  indexes.set(node, index)
  lows.set(node, index)
  index++
  stack.push(node)
  onStack.add(node)
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue
    if (!indexes.has(next)) {
      connect(next)
      lows.set(node, Math.min(lows.get(node), lows.get(next)))
    } else if (onStack.has(next)) {
      lows.set(node, Math.min(lows.get(node), indexes.get(next)))
    }
  }
  if (lows.get(node) === indexes.get(node)) {
    const component = []
    let member
    do {
      member = stack.pop()
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1) cycles.push(component)
  }
}
for (const node of graph.keys()) if (!indexes.has(node)) connect(node)

if (cycles.length) {
  console.error(`check-cycles: ${cycles.length} import cycle(s):`)
  for (const cycle of cycles) {
    console.error(`- ${cycle.map((file) => relative(root, file)).join('\n  ↔ ')}`)
  }
  process.exit(1)
}
console.log(`check-cycles: no import cycle in ${graph.size} modules`)
