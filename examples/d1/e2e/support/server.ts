// Vitest global setup of the e2e run: Chromium from Debian if missing, a fresh local D1 and KV
// (`.wrangler/e2e`) with the schema and the seed, the built worker served by `wrangler dev` in
// workerd on a free port, and, at the end, that server stopped with everything it started.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { ensureChromium } from './browser.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the built app answers, e.g. `http://127.0.0.1:40123`. */
    baseURL: string
  }
}

const example = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const state = path.join(example, '.wrangler', 'e2e')
const bin = (name: string) => path.join(example, 'node_modules', '.bin', name)
// The children run on this Node (22, from the workspace), not whatever `node` is first on PATH.
const env = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
  NEXT_TELEMETRY_DISABLED: '1',
  WRANGLER_SEND_METRICS: 'false',
  // Miniflare would fetch a `Request.cf` sample from workers.cloudflare.com.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
}

let server: ChildProcess | undefined

export async function setup(project: TestProject) {
  ensureChromium()
  if (!existsSync(path.join(example, '.open-next', 'worker.js'))) {
    throw new Error('e2e: no built app; run `pnpm --filter payload-kv-cache-example-d1 app:build`')
  }

  let started = performance.now()
  rmSync(state, { recursive: true, force: true })
  const prepared = spawnSync(bin('tsx'), ['src/prepare.ts', '--persist-to', state], {
    cwd: example,
    stdio: 'inherit',
    env,
  })
  if (prepared.status !== 0)
    throw new Error(`e2e: preparing the database failed (${prepared.status})`)
  console.log(`e2e: fresh local D1 with schema and seed in ${seconds(started)}`)

  started = performance.now()
  const [port, inspectorPort] = [await freePort(), await freePort()]
  // Its own process group, so stopping it ends workerd too (see `teardown`).
  server = spawn(
    bin('wrangler'),
    [
      'dev',
      ...['--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspectorPort)],
      ...['--persist-to', state, '--show-interactive-dev-session=false', '--log-level', 'warn'],
    ],
    { cwd: example, detached: true, stdio: ['ignore', 'inherit', 'inherit'], env },
  )
  // Should vitest itself end abruptly, the server still goes with it.
  process.once('exit', killGroup)
  const baseURL = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${baseURL}/api/globals/header`, server)
  } catch (error) {
    await teardown()
    throw error
  }
  console.log(`e2e: the built app answers on ${baseURL} (workerd) after ${seconds(started)}`)
  project.provide('baseURL', baseURL)
}

export async function teardown() {
  const pid = server?.pid
  if (!server || pid === undefined) return
  if (server.exitCode !== null) return killGroup()
  const exited = new Promise((resolve) => server?.once('exit', resolve))
  process.kill(-pid, 'SIGTERM')
  const timer = setTimeout(() => process.kill(-pid, 'SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
  // wrangler may have left its workerd behind in the group: end whatever is left.
  killGroup()
}

function killGroup() {
  if (server?.pid === undefined) return
  try {
    process.kill(-server.pid, 'SIGKILL')
  } catch {}
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })

/** Polls `url` until it answers 200; fails if the server exits or after two minutes. */
const waitFor = async (url: string, child: ChildProcess) => {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`e2e: wrangler dev exited (${child.exitCode})`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) })
      if (response.ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`e2e: ${url} did not answer within 120 s`)
}
