// Vitest global setup of the e2e run: Chromium from Debian if missing, a fresh local D1 and KV
// (`.wrangler/e2e`) with the schema and the seed, the built worker served by `wrangler dev` in
// workerd on a free port — twice, two processes on the one local state, the second with a view of
// the cache's invalidations that lags on purpose — and, at the end, both servers stopped with
// everything they started.
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
    /**
     * The same app in a second workerd process on the same local D1, KV, R2 and tag cache: another
     * isolate, as a second Cloudflare location runs. It asks KV about invalidations once an hour
     * (`invalidationCheckMs`), so within a test its view of them is as old as the cross-isolate
     * bound (invalidationCheckMs plus KV's up to 60 s) ever lets one be.
     */
    laggingURL: string
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

const servers: ChildProcess[] = []

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
  // Should vitest itself end abruptly, the servers still go with it.
  process.once('exit', () => {
    for (const server of servers) killGroup(server)
  })
  try {
    const ports = await freePorts(4)
    const port = (i: number) => ports[i] as number
    const [baseURL, laggingURL] = await Promise.all([
      serve(port(0), port(1)),
      serve(port(2), port(3), ['--var', 'KV_CACHE_INVALIDATION_CHECK_MS:3600000']),
    ])
    console.log(
      `e2e: the built app answers on ${baseURL} and ${laggingURL} (two workerd processes) after ${seconds(started)}`,
    )
    project.provide('baseURL', baseURL)
    project.provide('laggingURL', laggingURL)
  } catch (error) {
    await teardown()
    throw error
  }
}

/** `wrangler dev` on the built worker and the e2e state, on a free port; resolves to its URL once it answers. */
async function serve(port: number, inspectorPort: number, extra: string[] = []): Promise<string> {
  // Its own process group, so stopping it ends workerd too (see `teardown`).
  const server = spawn(
    bin('wrangler'),
    [
      'dev',
      ...['--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspectorPort)],
      ...['--persist-to', state, '--show-interactive-dev-session=false', '--log-level', 'warn'],
      ...extra,
    ],
    { cwd: example, detached: true, stdio: ['ignore', 'inherit', 'inherit'], env },
  )
  servers.push(server)
  const url = `http://127.0.0.1:${port}`
  await waitFor(`${url}/api/globals/header`, server)
  return url
}

export async function teardown() {
  await Promise.all(servers.map(stop))
}

/** Ends a server's process group: SIGTERM, SIGKILL after 10 s, then whatever is left of it. */
async function stop(server: ChildProcess) {
  const pid = server.pid
  if (pid === undefined) return
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    process.kill(-pid, 'SIGTERM')
    const timer = setTimeout(() => killGroup(server), 10_000)
    await exited
    clearTimeout(timer)
  }
  // wrangler may have left its workerd behind in the group.
  killGroup(server)
}

function killGroup(server: ChildProcess) {
  if (server.pid === undefined) return
  try {
    process.kill(-server.pid, 'SIGKILL')
  } catch {}
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`

/** `n` distinct free ports: all probed at once, so that none is handed out twice. */
const freePorts = async (n: number) => {
  const probes = Array.from({ length: n }, () => createServer())
  const ports = await Promise.all(
    probes.map(
      (probe) =>
        new Promise<number>((resolve, reject) => {
          probe.once('error', reject)
          probe.listen(0, '127.0.0.1', () => {
            const address = probe.address()
            resolve(typeof address === 'object' && address ? address.port : 0)
          })
        }),
    ),
  )
  await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))))
  return ports
}

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
