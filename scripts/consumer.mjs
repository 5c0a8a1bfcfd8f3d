// The consumer test: what a Payload user gets from npm, checked outside this workspace.
//
//   node scripts/consumer.mjs [--payload <version>]... [--keep] [--quick-start-only | --no-quick-start]
//
// 1. `pnpm pack`s both packages and checks the tarballs: every source map resolves inside the
//    tarball, no declaration imports @cloudflare/workers-types, the hooks package's dashboard entry
//    points (/rsc, /client) are built and typed, and its React peers are optional.
// 2. Copies the app of scripts/consumer/app into a fresh npm project in the system temp folder
//    (outside the repository, so no workspace package or pnpm setting can leak in) and
//    `npm install`s the tarballs with payload, @payloadcms/db-sqlite and graphql, without
//    @cloudflare/workers-types; checks that npm left out the optional peers (react, @payloadcms/ui,
//    @payloadcms/next) and that /rsc and /client resolve.
// 3. Typechecks the app strictly under NodeNext and Bundler resolution, with `// @ts-expect-error`
//    lines that must stay errors (a wrong binding, an unknown option, a misspelt context.kvCache);
//    then our declarations alone with `skipLibCheck: false` (errors in Payload's own declarations,
//    which its templates skip, are not ours and are ignored).
// 4. Boots Payload with the cache (sqlite + an in-memory object as the KV namespace) and the hooks
//    plugin (dashboard on: it needs no React to build the config), and checks a hit, an
//    invalidation, and the plugin's stats and flush endpoints over Payload's REST handler.
// 5. Copies the core README's quick start (its ```ts config and its ```jsonc wrangler.jsonc) and
//    the Worker around it (scripts/consumer/quick-start) into a fresh npm project with the D1
//    adapter (npm `overrides`, as the README says), runs `wrangler types`, typechecks strictly,
//    pushes the schema from Node through wrangler's platform proxy, bundles the Worker and serves
//    it with `wrangler dev` in workerd: a repeated find is a hit written to KV through `waitUntil`,
//    an update is read back at once, `logs: false` is never cached.
//
// Each --payload version runs in its own project (default: the oldest version of the peer range
// and the payload devDependency of packages/kv-cache, the versions the README names). Needs Node 22
// and the npm registry; run it through pnpm (`npx -y pnpm@10.34.9 consumer`) so
// node_modules/.bin/node is first on PATH.
//
// The projects' files are real files in scripts/consumer/ (see its README), typechecked and linted
// by `pnpm check`; only each package.json (versions, tarball paths) is written here.
import { spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
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

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
/** The generated projects' files: `app/` and `quick-start/` are copied as they are. */
const projectFiles = join(here, 'consumer')
const pnpm = ['npx', '-y', 'pnpm@10.34.9']
const args = process.argv.slice(2)
const keep = args.includes('--keep')
const readJSON = (path) => JSON.parse(readFileSync(path, 'utf8'))
const writeJSON = (path, value) => writeFileSync(path, JSON.stringify(value, null, 2))
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

/** Only the lines a script prints as its own checks (`  ok  …`), not Payload's logging. */
const indentedLines = (output) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .join('\n')

const npmInstall = (label, dir) =>
  step(`npm install (${label})`, () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      capture: true,
    }),
  )

const work = mkdtempSync(join(tmpdir(), 'payload-kv-cache-consumer-'))
// Also when a step throws (an npm install that fails): never leave the projects behind.
process.on('exit', () => {
  if (keep) console.log(`::: consumer: kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------------
// 1. Pack and inspect the tarballs

/** Builds and packs both packages; returns each package name's tarball. */
const buildAndPack = () => {
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
  return Object.fromEntries(
    readdirSync(packs).map((file) => [
      file.replace(/-\d+\.\d+\.\d+.*\.tgz$/, ''),
      join(packs, file),
    ]),
  )
}

const inspectTarballs = (tarballs) =>
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
// 2.–4. One fresh project per Payload version: the app of scripts/consumer/app

const createApp = (version, tarballs) => {
  const dir = join(work, `payload-${version}`)
  cpSync(join(projectFiles, 'app'), dir, { recursive: true })
  writeJSON(join(dir, 'package.json'), {
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
  })
  return dir
}

/** What npm installed: no workers types, no optional peers, and the dashboard's entry points. */
const checkInstalled = (dir) => {
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
}

/** The app's tsconfigs in scripts/consumer/app: strict, and our declarations alone. */
const typecheckApp = (version, dir) => {
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
}

const bootApp = (version, dir) =>
  step(`boot Payload (payload ${version})`, () => {
    const result = run(process.execPath, ['dist/run.js'], {
      cwd: dir,
      capture: true,
      allowFailure: true,
    })
    process.stdout.write(indentedLines(result.stdout))
    console.log()
    check(
      result.status === 0,
      `Payload ${version} boots with the cache and the plugin; hit, invalidation, stats`,
    )
    if (result.status !== 0)
      process.stderr.write(result.stdout.slice(-4000) + result.stderr.slice(-4000))
  })

const testApp = (version, tarballs) => {
  const dir = createApp(version, tarballs)
  console.log(`::: consumer: payload ${version} in ${dir}`)
  npmInstall(`payload ${version}`, dir)
  checkInstalled(dir)
  typecheckApp(version, dir)
  bootApp(version, dir)
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

/** The README's config and wrangler.jsonc, and the Worker of scripts/consumer/quick-start. */
const createQuickStart = (tarballs) => {
  const dir = join(work, 'quick-start')
  cpSync(join(projectFiles, 'quick-start'), dir, { recursive: true })
  const examplesD1 = readJSON(join(root, 'examples/d1/package.json'))
  const bench = readJSON(join(root, 'packages/bench/package.json'))
  writeJSON(join(dir, 'package.json'), {
    name: 'payload-kv-cache-quick-start',
    private: true,
    type: 'module',
    dependencies: {
      '@payloadcms/db-d1-sqlite': core.devDependencies['@payloadcms/db-d1-sqlite'],
      graphql: core.devDependencies.graphql,
      payload: core.devDependencies.payload,
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
  })
  writeFileSync(join(dir, 'src/payload.config.ts'), `${quickStartBlock('ts')}\n`)
  const wrangler = wranglerConfig()
  writeJSON(join(dir, 'wrangler.jsonc'), { ...wrangler, main: 'dist/worker.js', no_bundle: true })
  return { dir, wrangler }
}

/** No telemetry, and no fetch of Cloudflare's `Request.cf` sample: this machine reaches only npm. */
const offline = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
/** How the quick start's own tools run: in its folder, quietly, offline. */
const quietIn = (dir) => ({ cwd: dir, capture: true, env: { ...env, ...offline } })

const typecheckQuickStart = (dir) =>
  step('wrangler types and typecheck (quick start)', () => {
    const quiet = quietIn(dir)
    run(process.execPath, [join(dir, 'node_modules/wrangler/bin/wrangler.js'), 'types'], quiet)
    const tsc = join(dir, 'node_modules/typescript/bin/tsc')
    const result = run(process.execPath, [tsc, '-p', '.'], { ...quiet, allowFailure: true })
    check(result.status === 0, 'the quick start compiles strictly, typed by `wrangler types`')
    if (result.status !== 0) process.stdout.write(result.stdout)
  })

const bundleAndPushSchema = (dir) =>
  step('bundle and push the schema (quick start)', () => {
    const quiet = quietIn(dir)
    run(process.execPath, ['bundle.mjs'], quiet)
    // The README's advice for development with the D1 adapter's peer pin (it never runs in the Worker).
    const pushed = run(process.execPath, ['push-schema.mjs'], {
      ...quiet,
      env: { ...quiet.env, PAYLOAD_DISABLE_DEPENDENCY_CHECKER: 'true' },
      allowFailure: true,
    })
    process.stdout.write(indentedLines(pushed.stdout))
    console.log()
    check(pushed.status === 0, 'Payload pushes the schema to the local D1 database from Node')
    if (pushed.status !== 0)
      process.stderr.write(pushed.stdout.slice(-3000) + pushed.stderr.slice(-3000))
  })

/** `wrangler dev` on the built Worker, until `stop()`: its local D1 and KV persist in `.wrangler`. */
const serve = async (dir, port) => {
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

/** Calls the Worker in workerd: a hit written to KV, an update read back, `logs` never cached. */
const serveQuickStart = async (dir) => {
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

const testQuickStart = async (tarballs) => {
  const { dir, wrangler } = createQuickStart(tarballs)
  console.log(`::: consumer: the README's quick start in ${dir}`)
  check(
    wrangler.d1_databases?.[0]?.binding === 'D1' &&
      wrangler.kv_namespaces?.[0]?.binding === 'CACHE',
    "the README's wrangler.jsonc declares the D1 and CACHE bindings the quick start uses",
  )
  npmInstall('quick start', dir)
  typecheckQuickStart(dir)
  bundleAndPushSchema(dir)
  await serveQuickStart(dir)
}

// ---------------------------------------------------------------------------------------------
// The run: the steps above in order, then the timings and the verdict

const report = () => {
  const total = timings.reduce((sum, [, seconds]) => sum + seconds, 0)
  console.log('::: consumer: timings')
  for (const [name, seconds] of timings)
    console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${name}`)
  console.log(`  ${total.toFixed(1).padStart(6)} s  total`)
  if (failures.length) {
    console.error(`::: consumer: ${failures.length} check(s) failed`)
    process.exit(1)
  }
  console.log('::: consumer: ok')
}

const tarballs = buildAndPack()
inspectTarballs(tarballs)
for (const version of args.includes('--quick-start-only') ? [] : versions)
  testApp(version, tarballs)
if (!args.includes('--no-quick-start')) await testQuickStart(tarballs)
report()
