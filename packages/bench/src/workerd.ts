import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { D1Database, KVNamespace } from '@cloudflare/workers-types'
import * as esbuild from 'esbuild'
import { Miniflare } from 'miniflare'
import { d1OverFetch } from 'payload-kv-cache-test-fixtures/miniflare'

const here = dirname(fileURLToPath(import.meta.url))

export const COMPATIBILITY_DATE = '2026-07-01'

export type BenchWorkerd = {
  mf: Miniflare
  /** The Worker's `CACHE` namespace, reached from Node through Miniflare's proxy. */
  kv: KVNamespace
  /** The Worker's `D1` database, reached from Node through the Worker (see the fixtures' `d1OverFetch`). */
  d1: D1Database
  /** Size of the bundled Worker, bytes. */
  bundleBytes: number
  bundleMs: number
  /** POSTs `body` to the Worker's `path`, returns its JSON or throws its error. */
  call<T>(path: string, body: unknown): Promise<T>
  dispose(): Promise<void>
}

/**
 * Bundles `worker/index.ts` (Payload, the D1 adapter and `packages/kv-cache/src`) with esbuild for
 * workerd and starts it in Miniflare with one KV namespace and one D1 database, in memory.
 *
 * Payload is written for Node: it is bundled for the `node` platform, with Node's built-in modules
 * left to workerd's `nodejs_compat`, a `require` made by `createRequire` for the CommonJS parts,
 * and `import.meta.url` (used for file paths Payload never reads here) given a fixed value.
 */
export async function startWorkerd(): Promise<BenchWorkerd> {
  const outdir = join(here, '..', '.tmp')
  await mkdir(outdir, { recursive: true })
  const started = performance.now()
  const result = await esbuild.build({
    entryPoints: [join(here, 'worker', 'index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    conditions: ['workerd', 'worker'],
    external: ['cloudflare:*', 'node:*'],
    banner: {
      js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire('file:///worker.js');",
    },
    define: {
      'import.meta.url': '"file:///worker.js"',
      'process.env.NODE_ENV': '"production"',
    },
    logLevel: 'error',
  })
  const contents = result.outputFiles[0]?.text ?? ''
  const bundleMs = performance.now() - started
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.js', contents }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat'],
    kvNamespaces: ['CACHE'],
    // D1_REPLICA: the read replica of the production model's replica variants (worker/replicaLag.ts).
    d1Databases: ['D1', 'D1_REPLICA'],
    bindings: { PAYLOAD_DISABLE_DEPENDENCY_CHECKER: 'true' },
  })
  try {
    const kv = (await mf.getKVNamespace('CACHE')) as unknown as KVNamespace
    const call = async <T>(path: string, body: unknown): Promise<T> => {
      const response = await mf.dispatchFetch(`http://bench${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`worker ${path}: ${response.status} ${text.slice(0, 2000)}`)
      return JSON.parse(text) as T
    }
    let disposed: Promise<void> | undefined
    return {
      mf,
      kv,
      d1: d1OverFetch(mf as never),
      bundleBytes: contents.length,
      bundleMs,
      call,
      dispose: () => (disposed ??= mf.dispose()),
    }
  } catch (error) {
    await mf.dispose()
    throw error
  }
}
