import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// Every ```ts block of both package READMEs is written to a file of its own and typechecked with
// the repository's compiler settings against the built packages (`dist`, what users get), so the
// docs cannot rot. Blocks are modules; the few names a snippet takes as given (a `payload`, an
// `adapter`, a document `id`, the Worker's bindings as `wrangler types` would declare them) come
// from one ambient file below.

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const readmes = {
  'payload-kv-cache': join(packageRoot, 'README.md'),
  'payload-kv-cache-hooks': join(packageRoot, '../kv-cache-hooks/README.md'),
}

type Block = { readme: string; line: number; code: string }

/** The ```ts blocks of a markdown file, also when indented under a list item. */
const tsBlocks = (readme: string, markdown: string): Block[] => {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```ts\s*$/.exec(lines[i] ?? '')
    if (!open) continue
    const indent = open[1]?.length ?? 0
    const start = i + 1
    let end = start
    while (end < lines.length && !/^ *```\s*$/.test(lines[end] ?? '')) end++
    const code = lines
      .slice(start, end)
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n')
    blocks.push({ readme, line: start + 1, code })
    i = end
  }
  return blocks
}

const ambient = `import type { D1Database, Hyperdrive, KVNamespace, AnalyticsEngineDataset } from '@cloudflare/workers-types'
import type { DatabaseAdapterObj, Payload } from 'payload'

declare global {
  // What \`wrangler types\` generates from the README's wrangler.jsonc.
  namespace Cloudflare {
    interface Env {
      D1: D1Database
      CACHE: KVNamespace
      ANALYTICS: AnalyticsEngineDataset
      PAYLOAD_SECRET: string
      // Deployment topologies: Hyperdrive's two bindings, cached and uncached.
      HYPERDRIVE: Hyperdrive
      HYPERDRIVE_UNCACHED: Hyperdrive
    }
  }
  const payload: Payload
  const adapter: DatabaseAdapterObj
  const id: number
}
`

const work = mkdtempSync(join(packageRoot, '.tmp-readme-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const typecheck = (blocks: Block[]): string[] => {
  const dir = mkdtempSync(join(work, 'blocks-'))
  const files = blocks.map((block, i) => {
    const file = join(dir, `block${i}.ts`)
    // `export {}` makes every block a module, so blocks never clash and top-level await works.
    writeFileSync(file, `${block.code}\nexport {}\n`)
    return { file, block }
  })
  writeFileSync(join(dir, 'ambient.d.ts'), ambient)
  const base = JSON.parse(readFileSync(join(packageRoot, '../../tsconfig.base.json'), 'utf8'))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        ...base.compilerOptions,
        noEmit: true,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        types: ['node', '@cloudflare/workers-types'],
        // The hooks package as its users get it: its built declarations.
        paths: {
          'payload-kv-cache-hooks': [
            relative(dir, join(packageRoot, '../kv-cache-hooks/dist/index.d.ts')),
          ],
          'payload-kv-cache-hooks/next': [
            relative(dir, join(packageRoot, '../kv-cache-hooks/dist/exports/next.d.ts')),
          ],
        },
      },
      include: ['*.ts'],
    }),
  )
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], {
    encoding: 'utf8',
  })
  // Map `blockN.ts(line,col): error …` back to the README line.
  return result.stdout
    .split('\n')
    .filter((line) => line.includes('error TS'))
    .map((line) => {
      const match = /block(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line)
      const found = match ? files[Number(match[1])] : undefined
      if (!match || !found) return line
      const readmeLine = found.block.line + Number(match[2]) - 1
      return `${relative(packageRoot, found.block.readme)}:${readmeLine}: ${match[4]}`
    })
}

describe('README code', () => {
  for (const [name, path] of Object.entries(readmes)) {
    it(`every ts block of the ${name} README typechecks`, () => {
      const blocks = tsBlocks(path, readFileSync(path, 'utf8'))
      expect(blocks.length).toBeGreaterThan(2)
      expect(typecheck(blocks)).toEqual([])
    })
  }

  it('finds blocks indented under list items, and reports errors at their README line', () => {
    mkdirSync(work, { recursive: true })
    const markdown = [
      '# x',
      '',
      '- item',
      '',
      '  ```ts',
      "  const n: number = 'no'",
      '  ```',
      '',
    ].join('\n')
    const blocks = tsBlocks('/virtual/README.md', markdown)
    expect(blocks).toEqual([
      { readme: '/virtual/README.md', line: 6, code: "const n: number = 'no'" },
    ])
    const [error, ...rest] = typecheck(blocks)
    expect(rest).toEqual([])
    expect(error).toMatch(/README\.md:6: error TS2322/)
  })
})
