// The consumer test: what a Payload user gets from npm, checked outside this workspace.
//
//   node scripts/consumer.mjs [--payload <version>]... [--keep] [--quick-start-only | --no-quick-start]
//
// 1. `pnpm pack`s both packages and checks the tarballs: every source map resolves inside the
//    tarball, no declaration imports @cloudflare/workers-types, the hooks package's dashboard entry
//    points (/rsc, /client) are built and typed, and its React peers are optional.
// 2. Creates a fresh npm project in the system temp folder (outside the repository, so no
//    workspace package or pnpm setting can leak in) and `npm install`s the tarballs with payload,
//    @payloadcms/db-sqlite and graphql, without @cloudflare/workers-types; checks that npm left out
//    the optional peers (react, @payloadcms/ui, @payloadcms/next) and that /rsc and /client resolve.
// 3. Typechecks a small app strictly under NodeNext and Bundler resolution, with `// @ts-expect-error`
//    lines that must stay errors (a wrong binding, an unknown option, a misspelt context.kvCache);
//    then our declarations alone with `skipLibCheck: false` (errors in Payload's own declarations,
//    which its templates skip, are not ours and are ignored).
// 4. Boots Payload with the cache (sqlite + an in-memory object as the KV namespace) and the hooks
//    plugin (dashboard on: it needs no React to build the config), and checks a hit, an
//    invalidation, and the plugin's stats and flush endpoints over Payload's REST handler.
// 5. Copies the core README's quick start (its ```ts config and its ```jsonc wrangler.jsonc) into
//    a fresh npm project with the D1 adapter (npm `overrides`, as the README says), runs
//    `wrangler types`, typechecks strictly, pushes the schema from Node through wrangler's
//    platform proxy, bundles a Worker around the config and serves it with `wrangler dev` in
//    workerd: a repeated find is a hit written to KV through `waitUntil`, an update is read back at
//    once, `logs: false` is never cached.
//
// Each --payload version runs in its own project (default: the oldest version of the peer range
// and the payload devDependency of packages/kv-cache, the versions the README names). Needs Node 22 and the npm registry; run it
// through pnpm (`npx -y pnpm@10.34.9 consumer`) so node_modules/.bin/node is first on PATH.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pnpm = ['npx', '-y', 'pnpm@10.34.9']
const args = process.argv.slice(2)
const keep = args.includes('--keep')
const readJSON = (path) => JSON.parse(readFileSync(path, 'utf8'))
const core = readJSON(join(root, 'packages/kv-cache/package.json'))
const versions = args.flatMap((arg, i) => (args[i - 1] === '--payload' ? [arg] : []))
if (!versions.length) {
  // The oldest Payload the peer range admits (`^3.90.1` → 3.90.1) and the newest we develop on.
  const oldest = /^\^(\d+\.\d+\.\d+)$/.exec(core.peerDependencies.payload)?.[1]
  if (!oldest)
    throw new Error(
      `cannot read the oldest version of the peer range ${core.peerDependencies.payload}`,
    )
  versions.push(...new Set([oldest, core.devDependencies.payload]))
}

// npm's shebang finds `node` on PATH: put the Node running this script (22) first.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` }
delete env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER
delete env.PAYLOAD_FORCE_DRIZZLE_PUSH

const timings = []
const step = (name, fn) => {
  const started = performance.now()
  console.log(`::: consumer: ${name}`)
  const result = fn()
  timings.push([name, (performance.now() - started) / 1000])
  return result
}

const run = (command, commandArgs, options = {}) => {
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: options.capture ? 'pipe' : 'inherit',
    ...options,
  })
  if (result.error) throw result.error
  if (result.status !== 0 && !options.allowFailure) {
    if (options.capture) process.stderr.write(`${result.stdout}${result.stderr}`)
    throw new Error(`${command} ${commandArgs.join(' ')} exited with ${result.status}`)
  }
  return result
}

const failures = []
const check = (ok, message) => {
  if (ok) console.log(`  ok  ${message}`)
  else {
    console.log(`  FAIL ${message}`)
    failures.push(message)
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Pack and inspect the tarballs

const work = mkdtempSync(join(tmpdir(), 'payload-kv-cache-consumer-'))
// Also when a step throws (an npm install that fails): never leave the projects behind.
process.on('exit', () => {
  if (keep) console.log(`::: consumer: kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
})
const packs = join(work, 'packs')
mkdirSync(packs)

step('build and pack', () => {
  run(pnpm[0], [...pnpm.slice(1), 'build'], { capture: true })
  for (const dir of ['packages/kv-cache', 'packages/kv-cache-hooks']) {
    run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', packs], {
      cwd: join(root, dir),
      capture: true,
    })
  }
})
const tarballs = Object.fromEntries(
  readdirSync(packs).map((file) => [file.replace(/-\d+\.\d+\.\d+.*\.tgz$/, ''), join(packs, file)]),
)

step('inspect tarballs', () => {
  for (const [name, tarball] of Object.entries(tarballs)) {
    const unpacked = join(work, 'unpacked', name)
    mkdirSync(unpacked, { recursive: true })
    run('tar', ['-xzf', tarball, '-C', unpacked])
    const pkg = join(unpacked, 'package')
    const files = (dir) =>
      readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
    const all = files(pkg)
    const unresolved = []
    for (const map of all.filter((file) => file.endsWith('.map'))) {
      for (const source of readJSON(map).sources) {
        if (!existsSync(resolve(dirname(map), source)))
          unresolved.push(`${relative(pkg, map)} → ${source}`)
      }
    }
    check(
      unresolved.length === 0,
      `${name}: every source map resolves in the tarball ${unresolved.slice(0, 3).join(', ')}`,
    )
    const workersTypes = all
      .filter((file) => file.endsWith('.d.ts'))
      .filter((file) =>
        /from '@cloudflare\/workers-types'|reference types="@cloudflare/.test(
          readFileSync(file, 'utf8'),
        ),
      )
      .map((file) => relative(pkg, file))
    check(
      workersTypes.length === 0,
      `${name}: no declaration imports @cloudflare/workers-types ${workersTypes.join(', ')}`,
    )
    const manifest = readJSON(join(pkg, 'package.json'))
    for (const field of [
      'repository',
      'engines',
      'keywords',
      'sideEffects',
      'files',
      'peerDependencies',
    ]) {
      check(manifest[field] !== undefined, `${name}: package.json has ${field}`)
    }
    check(
      existsSync(join(pkg, 'CHANGELOG.md')) && existsSync(join(pkg, 'LICENSE')),
      `${name}: ships CHANGELOG.md and LICENSE`,
    )
    check(
      !JSON.stringify(manifest).includes('workspace:'),
      `${name}: no workspace: protocol left in package.json`,
    )
    if (name === 'payload-kv-cache-hooks') {
      // The dashboard's entry points: built, typed, the client one marked for React.
      for (const entry of ['rsc', 'client']) {
        const exported = manifest.exports?.[`./${entry}`]
        check(
          Boolean(exported) &&
            existsSync(join(pkg, exported.import)) &&
            existsSync(join(pkg, exported.types)),
          `${name}: exports ./${entry} with its types`,
        )
      }
      const client = join(pkg, 'dist/exports/client.js')
      check(
        existsSync(client) && readFileSync(client, 'utf8').startsWith("'use client'"),
        `${name}: the client entry starts with 'use client'`,
      )
      const optional = ['react', '@payloadcms/ui', '@payloadcms/next']
      check(
        optional.every(
          (peer) =>
            manifest.peerDependencies?.[peer] && manifest.peerDependenciesMeta?.[peer]?.optional,
        ),
        `${name}: ${optional.join(', ')} are optional peer dependencies`,
      )
    }
  }
})

// ---------------------------------------------------------------------------------------------
// 2.–4. One fresh project per Payload version

const app = {
  'src/kv.ts': `import type { KVNamespace } from 'payload-kv-cache'

/** A KV namespace in memory: a plain object satisfies the cache's KVNamespace type, no cast. */
export const memoryKV = (): KVNamespace => {
  const store = new Map<string, string>()
  function get(key: string, options: { type: 'text' }): Promise<string | null>
  function get(keys: string[], options: { type: 'text' }): Promise<Map<string, string | null>>
  async function get(key: string | string[]): Promise<string | null | Map<string, string | null>> {
    if (typeof key === 'string') return store.get(key) ?? null
    return new Map(key.map((k) => [k, store.get(k) ?? null]))
  }
  return {
    get,
    put: async (key, value) => {
      store.set(key, value)
    },
    delete: async (key) => {
      store.delete(key)
    },
    list: async ({ prefix }) => ({
      keys: [...store.keys()].filter((name) => name.startsWith(prefix)).map((name) => ({ name })),
      list_complete: true,
    }),
  }
}
`,
  'src/payload.config.ts': `import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { buildConfig } from 'payload'
import { withKVCache } from 'payload-kv-cache'
import { kvCacheInvalidation } from 'payload-kv-cache-hooks'
import { memoryKV } from './kv.js'

export const kv = memoryKV()

export default buildConfig({
  secret: 'consumer-test-secret',
  db: withKVCache(sqliteAdapter({ client: { url: 'file:./consumer.db' } }), kv, {
    ttl: 300,
    collections: { posts: { ttl: 60 } },
    namespace: 'consumer',
  }),
  collections: [
    { slug: 'users', auth: true, fields: [] },
    { slug: 'posts', fields: [{ name: 'title', type: 'text' }] },
  ],
  // The dashboard only adds import paths to the config: React is not needed to build it.
  plugins: [kvCacheInvalidation({ collections: { posts: 'item' }, endpoints: true, dashboard: true })],
})
`,
  'src/typeErrors.ts': `// Every line under a @ts-expect-error must stay a type error: tsc fails on an unused directive.
import { sqliteAdapter } from '@payloadcms/db-sqlite'
import type { RequestContext } from 'payload'
import { withKVCache } from 'payload-kv-cache'
import { kvCacheInvalidation } from 'payload-kv-cache-hooks'
import { memoryKV } from './kv.js'

const adapter = sqliteAdapter({ client: { url: 'file:./unused.db' } })

// @ts-expect-error a D1-like object is no KV namespace
withKVCache(adapter, { prepare: (query: string) => query })
// @ts-expect-error a string is no KV namespace
withKVCache(adapter, 'CACHE')
// @ts-expect-error \`tll\` is no option
withKVCache(adapter, memoryKV(), { tll: 60 })
// @ts-expect-error ttl is a number of seconds
withKVCache(adapter, memoryKV(), { ttl: '60' })
// @ts-expect-error \`collection\` is no option of the plugin
kvCacheInvalidation({ collection: {} })
// @ts-expect-error \`pth\` is no option of the dashboard
kvCacheInvalidation({ dashboard: { pth: '/cache' } })

export const contexts: RequestContext[] = [
  { kvCache: { bypass: true } },
  { kvCache: { mode: 'cache-only' }, somethingElse: 1 },
  // @ts-expect-error \`bypas\` is no cache control
  { kvCache: { bypas: true } },
  // @ts-expect-error mode is 'cache-only', 'default' or 'refresh'
  { kvCache: { mode: 'sometimes' } },
]
`,
  'src/run.ts': `import { getPayload, handleEndpoints } from 'payload'
import { getCacheStats, settled } from 'payload-kv-cache'
import config from './payload.config.js'

const fail = (message: string): never => {
  throw new Error(message)
}

// The default instance key: older Payloads' handleEndpoints take no key and look that one up.
const payload = await getPayload({ config })
try {
  const post = await payload.create({ collection: 'posts', data: { title: 'first' } })
  await payload.find({ collection: 'posts' })
  await settled(payload)
  const again = await payload.find({ collection: 'posts' })
  const afterRead = getCacheStats(payload)
  const hits = afterRead.reads.posts?.find?.hits
  if (!hits || hits.memory + hits.kv < 1) fail(\`a repeated find should hit the cache, stats: \${JSON.stringify(afterRead.reads)}\`)
  if (again.docs[0]?.title !== 'first') fail('the cached find answered the wrong document')
  console.log(\`  ok  a repeated find is a hit (\${JSON.stringify(hits)})\`)

  await payload.update({ collection: 'posts', id: post.id, data: { title: 'second' } })
  const fresh = await payload.find({ collection: 'posts' })
  if (fresh.docs[0]?.title !== 'second') fail(\`after an update the find answered \${fresh.docs[0]?.title}\`)
  const bypassed = await payload.find({ collection: 'posts', context: { kvCache: { bypass: true } } })
  if (bypassed.docs[0]?.title !== 'second') fail('a bypassed find answered old data')
  const afterWrite = getCacheStats(payload)
  const invalidations = (stats: typeof afterRead) => stats.invalidations.posts ?? 0
  if (invalidations(afterWrite) <= invalidations(afterRead)) fail('the update was not counted as an invalidation')
  console.log('  ok  an update invalidates: the next find reads the new title')

  const user = await payload.create({
    collection: 'users',
    data: { email: 'admin@example.com', password: 'consumer-password' },
  })
  const { token } = await payload.login({
    collection: 'users',
    data: { email: user.email, password: 'consumer-password' },
  })
  const stats = (headers: Record<string, string>) =>
    handleEndpoints({
      config,
      request: new Request('http://localhost:3000/api/kv-cache/stats', { headers }),
    })
  const anonymous = await stats({})
  if (anonymous.status !== 403) fail(\`anonymous GET /api/kv-cache/stats answered \${anonymous.status}\`)
  const answered = await stats({ Authorization: \`JWT \${token}\` })
  if (answered.status !== 200) fail(\`GET /api/kv-cache/stats answered \${answered.status}: \${await answered.text()}\`)
  const body = (await answered.json()) as ReturnType<typeof getCacheStats>
  const served = body.reads?.posts?.find?.hits
  if (!served || served.memory + served.kv < 1 || !body.invalidations?.posts) {
    fail(\`stats endpoint answered \${JSON.stringify(body)}\`)
  }
  console.log('  ok  GET /api/kv-cache/stats: 403 anonymous, 200 with the hits and invalidations for an admin')

  const flushed = await handleEndpoints({
    config,
    request: new Request('http://localhost:3000/api/kv-cache/flush', {
      method: 'POST',
      headers: { Authorization: \`JWT \${token}\` },
    }),
  })
  if (flushed.status !== 200) fail(\`POST /api/kv-cache/flush answered \${flushed.status}\`)
  const view = (await config).admin.components.views?.kvCache
  const component = view?.Component as { path?: string } | undefined
  if (view?.path !== '/kv-cache' || component?.path !== 'payload-kv-cache-hooks/rsc#KVCacheView') {
    fail(\`the dashboard view is not in the config: \${JSON.stringify(view)}\`)
  }
  console.log('  ok  dashboard: the view is in the config, POST /api/kv-cache/flush answers an admin')
  await settled(payload)
} finally {
  await payload.destroy()
}
`,
}

const tsconfig = (compilerOptions, include = ['src']) =>
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        strict: true,
        noUncheckedIndexedAccess: true,
        esModuleInterop: true,
        // Payload's own declarations do not compile without it (its templates set it too).
        skipLibCheck: true,
        // Nothing from @types/* but Node, so a workers-types dependency could not hide.
        types: ['node'],
        ...compilerOptions,
      },
      include,
    },
    null,
    2,
  )

const consumerProject = (version) => {
  const dir = join(work, `payload-${version}`)
  mkdirSync(join(dir, 'src'), { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'payload-kv-cache-consumer',
        private: true,
        type: 'module',
        dependencies: {
          '@payloadcms/db-sqlite': version,
          graphql: core.devDependencies.graphql,
          payload: version,
          'payload-kv-cache': `file:${tarballs['payload-kv-cache']}`,
          'payload-kv-cache-hooks': `file:${tarballs['payload-kv-cache-hooks']}`,
        },
        devDependencies: {
          '@types/node': core.devDependencies['@types/node'],
          typescript: core.devDependencies.typescript,
        },
      },
      null,
      2,
    ),
  )
  for (const [file, text] of Object.entries(app)) writeFileSync(join(dir, file), text)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    tsconfig({ module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'dist', rootDir: 'src' }),
  )
  writeFileSync(
    join(dir, 'tsconfig.bundler.json'),
    tsconfig({ module: 'ESNext', moduleResolution: 'Bundler', noEmit: true }),
  )
  for (const resolution of ['NodeNext', 'Bundler']) {
    writeFileSync(
      join(dir, `tsconfig.decls.${resolution}.json`),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: [],
            module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
            moduleResolution: resolution,
          },
          files: ['decls.ts'],
        },
        null,
        2,
      ),
    )
  }
  writeFileSync(
    join(dir, 'decls.ts'),
    "export type * from 'payload-kv-cache'\nexport type * from 'payload-kv-cache-hooks'\n",
  )
  return dir
}

for (const version of args.includes('--quick-start-only') ? [] : versions) {
  const dir = consumerProject(version)
  console.log(`::: consumer: payload ${version} in ${dir}`)
  step(`npm install (payload ${version})`, () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      capture: true,
    }),
  )
  check(
    !existsSync(join(dir, 'node_modules/@cloudflare/workers-types')),
    'no @cloudflare/workers-types installed',
  )
  check(
    ['react', '@payloadcms/ui', '@payloadcms/next'].every(
      (peer) => !existsSync(join(dir, 'node_modules', peer)),
    ),
    'the optional peers (react, @payloadcms/ui, @payloadcms/next) are not installed',
  )
  // The entry points resolve through the exports map (resolved, not imported: no React here).
  const resolved = run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "for (const entry of ['/rsc', '/client']) console.log(import.meta.resolve('payload-kv-cache-hooks' + entry))",
    ],
    { cwd: dir, capture: true, allowFailure: true },
  )
  const urls = resolved.stdout.trim().split('\n').filter(Boolean)
  check(
    resolved.status === 0 && urls.length === 2 && urls.every((url) => existsSync(new URL(url))),
    `payload-kv-cache-hooks/rsc and /client resolve ${urls.join(' ')}`,
  )
  const tsc = join(dir, 'node_modules/typescript/bin/tsc')
  step(`typecheck (payload ${version})`, () => {
    for (const project of ['tsconfig.json', 'tsconfig.bundler.json']) {
      const result = run(process.execPath, [tsc, '-p', project], {
        cwd: dir,
        capture: true,
        allowFailure: true,
      })
      check(result.status === 0, `strict typecheck, ${project}, expected type errors still errors`)
      if (result.status !== 0) process.stdout.write(result.stdout)
    }
    for (const resolution of ['NodeNext', 'Bundler']) {
      const result = run(process.execPath, [tsc, '-p', `tsconfig.decls.${resolution}.json`], {
        cwd: dir,
        capture: true,
        allowFailure: true,
      })
      const ours = result.stdout
        .split('\n')
        .filter((line) => /node_modules\/payload-kv-cache/.test(line))
      check(
        ours.length === 0,
        `our declarations compile alone (${resolution}, skipLibCheck false, no @types)`,
      )
      for (const line of ours.slice(0, 10)) console.log(`      ${line}`)
    }
  })
  step(`boot Payload (payload ${version})`, () => {
    const result = run(process.execPath, ['dist/run.js'], {
      cwd: dir,
      capture: true,
      allowFailure: true,
    })
    process.stdout.write(
      result.stdout
        .split('\n')
        .filter((line) => line.startsWith('  '))
        .join('\n'),
    )
    console.log()
    check(
      result.status === 0,
      `Payload ${version} boots with the cache and the plugin; hit, invalidation, stats`,
    )
    if (result.status !== 0)
      process.stderr.write(result.stdout.slice(-4000) + result.stderr.slice(-4000))
  })
}

// ---------------------------------------------------------------------------------------------
// 5. The README's quick start, copied into a fresh npm project and served by wrangler in workerd

/** The first fenced block of `lang` after the heading `## Quick start` of the core README. */
const quickStartBlock = (lang) => {
  const readme = readFileSync(join(root, 'packages/kv-cache/README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Quick start'))
  const fence = '```'
  const match = new RegExp(`${fence}${lang}\\n([\\s\\S]*?)\\n${fence}`).exec(section)
  if (!match) throw new Error(`no \`\`\`${lang} block in the README's quick start`)
  return match[1]
}

/** wrangler.jsonc as the README gives it, comments and placeholders aside. */
const wranglerConfig = () => {
  const text = quickStartBlock('jsonc')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n')
  return JSON.parse(text)
}

const quickStart = {
  // What a user writes beside the README's config: a Worker that answers through Payload.
  'src/worker.ts': `import { getPayload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import config from './payload.config.js'

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

export default {
  async fetch(request: Request): Promise<Response> {
    const payload = await getPayload({ config })
    const url = new URL(request.url)
    const title = url.searchParams.get('title') ?? ''
    try {
      if (request.method === 'POST' && url.pathname === '/posts') {
        const post = await payload.create({ collection: 'posts', data: { title } })
        return json({ id: post.id })
      }
      const update = /^\\/posts\\/(\\d+)$/.exec(url.pathname)
      if (request.method === 'POST' && update?.[1]) {
        await payload.update({ collection: 'posts', id: Number(update[1]), data: { title } })
        return json({ ok: true })
      }
      if (url.pathname === '/posts' || url.pathname === '/logs') {
        const collection = url.pathname === '/posts' ? 'posts' : 'logs'
        const found = await payload.find({ collection, depth: 0 })
        const stats = getCacheStats(payload)
        return json({
          docs: found.docs,
          reads: stats.reads[collection]?.find ?? null,
          kvWrites: stats.kv.operations.write,
        })
      }
      return json({ error: 'not found' }, 404)
    } catch (error) {
      return json({ error: String((error as Error)?.stack ?? error) }, 500)
    }
  },
} satisfies ExportedHandler<Env>
`,
  // Node: the config with wrangler's local bindings (as Payload's Cloudflare template does for its
  // CLI), so that Payload's development push creates the schema in the local D1 database.
  'push-schema.mjs': `import { getPayload } from 'payload'
import { getPlatformProxy } from 'wrangler'

const proxy = await getPlatformProxy()
globalThis.__quickStartEnv = proxy.env
const { default: config } = await import('./dist/config.node.mjs')
const payload = await getPayload({ config })
await payload.destroy()
await proxy.dispose()
console.log('  ok  schema pushed to the local D1 database')
`,
  'cloudflare-workers-on-node.mjs': `// cloudflare:workers for the Node push above: the platform proxy's bindings.
export const env = globalThis.__quickStartEnv
export const waitUntil = () => {}
`,
  // The bundle for workerd, as the repository's benchmark bundles Payload (see
  // packages/bench/src/workerd.ts): Node built-ins left to nodejs_compat, a require for the
  // CommonJS parts, a fixed import.meta.url for file paths Payload never reads there.
  'bundle.mjs': `import * as esbuild from 'esbuild'

await esbuild.build({
  entryPoints: ['src/worker.ts'],
  outfile: 'dist/worker.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  conditions: ['workerd', 'worker'],
  external: ['cloudflare:*', 'node:*'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire('file:///worker.js');",
  },
  define: { 'import.meta.url': '"file:///worker.js"', 'process.env.NODE_ENV': '"production"' },
  logLevel: 'error',
})
await esbuild.build({
  entryPoints: ['src/payload.config.ts'],
  outfile: 'dist/config.node.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  alias: { 'cloudflare:workers': './cloudflare-workers-on-node.mjs' },
  logLevel: 'error',
})
`,
}

const examplesD1 = readJSON(join(root, 'examples/d1/package.json'))
const bench = readJSON(join(root, 'packages/bench/package.json'))

const quickStartProject = () => {
  const dir = join(work, 'quick-start')
  mkdirSync(join(dir, 'src'), { recursive: true })
  const payload = core.devDependencies.payload
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'payload-kv-cache-quick-start',
        private: true,
        type: 'module',
        dependencies: {
          '@payloadcms/db-d1-sqlite': core.devDependencies['@payloadcms/db-d1-sqlite'],
          graphql: core.devDependencies.graphql,
          payload,
          'payload-kv-cache': `file:${tarballs['payload-kv-cache']}`,
        },
        devDependencies: {
          '@types/node': core.devDependencies['@types/node'],
          esbuild: bench.devDependencies.esbuild,
          typescript: core.devDependencies.typescript,
          wrangler: examplesD1.dependencies.wrangler,
        },
        // As the README's compatibility section says for npm: the D1 adapter pins an older payload.
        overrides: { payload: '$payload' },
      },
      null,
      2,
    ),
  )
  writeFileSync(join(dir, 'src/payload.config.ts'), `${quickStartBlock('ts')}\n`)
  for (const [file, text] of Object.entries(quickStart)) writeFileSync(join(dir, file), text)
  const wrangler = wranglerConfig()
  writeFileSync(
    join(dir, 'wrangler.jsonc'),
    JSON.stringify({ ...wrangler, main: 'dist/worker.js', no_bundle: true }, null, 2),
  )
  writeFileSync(join(dir, '.dev.vars'), 'PAYLOAD_SECRET=quick-start-secret\n')
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          // Payload's own declarations do not compile without it (its templates set it too).
          skipLibCheck: true,
          // What `wrangler types` wrote (the bindings and workerd's runtime), and Node's.
          types: ['./worker-configuration.d.ts', 'node'],
        },
        include: ['src'],
      },
      null,
      2,
    ),
  )
  return { dir, wrangler }
}

/** No telemetry, and no fetch of Cloudflare's `Request.cf` sample: this machine reaches only npm. */
const offline = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }

/** `wrangler dev` on the built Worker, until `stop()`: its local D1 and KV persist in `.wrangler`. */
const serve = async (dir, port) => {
  const { spawn } = await import('node:child_process')
  const child = spawn(
    process.execPath,
    [
      join(dir, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
    ],
    { cwd: dir, env: { ...env, ...offline, CI: 'true' }, stdio: 'pipe' },
  )
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output.slice(-4000)}`)
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new Error(`wrangler dev did not answer within 120 s:\n${output.slice(-4000)}`)
    }
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

if (!args.includes('--no-quick-start')) {
  const { dir, wrangler } = quickStartProject()
  console.log(`::: consumer: the README's quick start in ${dir}`)
  check(
    wrangler.d1_databases?.[0]?.binding === 'D1' &&
      wrangler.kv_namespaces?.[0]?.binding === 'CACHE',
    "the README's wrangler.jsonc declares the D1 and CACHE bindings the quick start uses",
  )
  step('npm install (quick start)', () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      capture: true,
    }),
  )
  const wranglerBin = join(dir, 'node_modules/wrangler/bin/wrangler.js')
  const quiet = { cwd: dir, capture: true, env: { ...env, ...offline } }
  step('wrangler types and typecheck (quick start)', () => {
    run(process.execPath, [wranglerBin, 'types'], quiet)
    const result = run(
      process.execPath,
      [join(dir, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      {
        ...quiet,
        allowFailure: true,
      },
    )
    check(result.status === 0, 'the quick start compiles strictly, typed by `wrangler types`')
    if (result.status !== 0) process.stdout.write(result.stdout)
  })
  step('bundle and push the schema (quick start)', () => {
    run(process.execPath, ['bundle.mjs'], quiet)
    // The README's advice for development with the D1 adapter's peer pin (it never runs in the Worker).
    const pushed = run(process.execPath, ['push-schema.mjs'], {
      ...quiet,
      env: { ...quiet.env, PAYLOAD_DISABLE_DEPENDENCY_CHECKER: 'true' },
      allowFailure: true,
    })
    process.stdout.write(
      pushed.stdout
        .split('\n')
        .filter((l) => l.startsWith('  '))
        .join('\n'),
    )
    console.log()
    check(pushed.status === 0, 'Payload pushes the schema to the local D1 database from Node')
    if (pushed.status !== 0)
      process.stderr.write(pushed.stdout.slice(-3000) + pushed.stderr.slice(-3000))
  })
  const started = performance.now()
  console.log('::: consumer: wrangler dev (quick start)')
  const port = 8700 + Math.floor(Math.random() * 80)
  const server = await serve(dir, port)
  try {
    const call = async (method, path) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method })
      const body = await response.json()
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`)
      return body
    }
    const { id } = await call('POST', '/posts?title=first')
    await call('GET', '/posts')
    const again = await call('GET', '/posts')
    const hits = again.reads?.hits
    check(
      again.docs?.[0]?.title === 'first' && hits && hits.memory + hits.kv >= 1,
      `in workerd, a repeated find is a hit (${JSON.stringify(again.reads)})`,
    )
    check(
      again.kvWrites >= 1,
      `the entry was written to KV through waitUntil (${again.kvWrites} writes)`,
    )
    await call('POST', `/posts/${id}?title=second`)
    const fresh = await call('GET', '/posts')
    check(fresh.docs?.[0]?.title === 'second', 'after an update the next find reads the new title')
    const before = await call('GET', '/logs')
    const logs = await call('GET', '/logs')
    check(
      logs.reads === null && logs.kvWrites === before.kvWrites,
      `\`logs: false\` is never cached: no read counted, no KV write (${JSON.stringify(logs)})`,
    )
  } catch (error) {
    check(
      false,
      `the quick start answers in workerd: ${error.message}\n${server.output().slice(-3000)}`,
    )
  } finally {
    await server.stop()
  }
  timings.push(['wrangler dev (quick start)', (performance.now() - started) / 1000])
}

const total = timings.reduce((sum, [, seconds]) => sum + seconds, 0)
console.log('::: consumer: timings')
for (const [name, seconds] of timings) console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${name}`)
console.log(`  ${total.toFixed(1).padStart(6)} s  total`)
if (failures.length) {
  console.error(`::: consumer: ${failures.length} check(s) failed`)
  process.exit(1)
}
console.log('::: consumer: ok')
