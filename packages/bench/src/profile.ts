/**
 * `pnpm --filter payload-kv-cache-bench profile [scenario...]`: a V8 CPU profile of one hot path,
 * taken with the inspector around the timed loop only (not Payload's start-up), summarized as self
 * time by function and by source line (lines of `packages/kv-cache/dist` mapped back to `src`
 * through the source maps), and saved to `results/profiles/<scenario>.cpuprofile` for DevTools.
 *
 * Scenarios: `memory-hit` (payload.db.find answered by the memory tier), `memory-hit-by-id` (the
 * same for payload.db.findOne by ID), `payload-find-memory-hit`
 * (payload.find, the same hit plus Payload's own work), `miss` (payload.db.find on sqlite, every
 * read a miss over an instant KV double), `instant-miss` (the same over an adapter that answers at
 * once: the wrapper's own work on a miss), `kv-hit` (payload.db.find from an instant in-memory KV).
 */
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { SourceMap } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Payload } from 'payload'
import { settled, withKVCache } from 'payload-kv-cache'
import { seededDatabase } from './databases.js'
import { memoryKV, missKV } from './kvDoubles.js'
import { adapterFindOne, adapterPageFind, pageFind } from './queries.js'
import { instantCache } from './sections/overhead.js'

process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER = 'true'
process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'

const here = dirname(fileURLToPath(import.meta.url))
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 5)

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number }
type ProfileNode = {
  id: number
  callFrame: CallFrame
  hitCount?: number
  positionTicks?: Array<{ line: number; ticks: number }>
}
type Profile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] }

const maps = new Map<string, SourceMap | null>()
/** `dist/x.js:line` → `src/x.ts:line` through the emitted source map. */
const original = (url: string, line: number): string => {
  const file = url.startsWith('file://') ? fileURLToPath(url) : url
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))))
    } catch {
      maps.set(file, null)
    }
  }
  const map = maps.get(file)
  const text = (() => {
    try {
      return readFileSync(file, 'utf8').split('\n')[line - 1] ?? ''
    } catch {
      return ''
    }
  })()
  const entry = map?.findEntry(line - 1, Math.max(0, text.search(/\S/)))
  if (entry && 'originalLine' in entry && entry.originalSource) {
    return `${basename(entry.originalSource)}:${entry.originalLine + 1}`
  }
  return `${basename(file) || '(native)'}:${line}`
}

const where = (url: string) =>
  url.includes('/kv-cache/dist/')
    ? 'kv-cache'
    : url.includes('/payload/dist/')
      ? 'payload'
      : url.includes('drizzle')
        ? 'drizzle'
        : url.includes('libsql')
          ? 'libsql'
          : url
            ? 'other'
            : 'native/gc'

function summarize(profile: Profile, iterations: number) {
  const total = profile.samples.length
  const usPerSample = (profile.endTime - profile.startTime) / total
  const perCallUs = (samples: number) => (samples * usPerSample) / iterations
  const byFunction = new Map<string, number>()
  const byLine = new Map<string, number>()
  const byArea = new Map<string, number>()
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0
    if (!hits) continue
    const { functionName, url, lineNumber } = node.callFrame
    const area = where(url)
    byArea.set(area, (byArea.get(area) ?? 0) + hits)
    const fn = `${functionName || '(anonymous)'} [${area}${url ? ` ${original(url, lineNumber + 1)}` : ''}]`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits)
    if (area === 'kv-cache') {
      for (const tick of node.positionTicks ?? []) {
        const line = `${original(url, tick.line)} (${functionName || 'anonymous'})`
        byLine.set(line, (byLine.get(line) ?? 0) + tick.ticks)
      }
    }
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, hits]) => ({
        name,
        percent: Number(((100 * hits) / total).toFixed(1)),
        usPerCall: Number(perCallUs(hits).toFixed(2)),
      }))
  return {
    samples: total,
    iterations,
    usPerCall: Number(((profile.endTime - profile.startTime) / iterations).toFixed(2)),
    byArea: top(byArea, 10),
    byFunction: top(byFunction, 25),
    kvCacheLines: top(byLine, 25),
  }
}

async function profileLoop(
  name: string,
  op: () => Promise<unknown>,
  after?: () => Promise<unknown>,
) {
  for (let i = 0; i < 200; i++) {
    await op()
    await after?.()
  }
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 50 })
  await session.post('Profiler.start')
  const end = performance.now() + SECONDS * 1000
  let iterations = 0
  while (performance.now() < end) {
    await op()
    await after?.()
    iterations++
  }
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile }
  session.disconnect()
  const dir = join(here, '..', 'results', 'profiles')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
  return summarize(profile, iterations)
}

async function main() {
  const wanted = process.argv.slice(2).length
    ? process.argv.slice(2)
    : ['memory-hit', 'payload-find-memory-hit', 'miss', 'instant-miss', 'kv-hit']
  const sqlite = await seededDatabase('sqlite', Number(process.env.BENCH_POSTS ?? 100))
  const out: Record<string, unknown> = {}
  try {
    const attach = (
      kv: ReturnType<typeof missKV>,
      memory: boolean,
      namespace: string,
    ): Promise<Payload> =>
      sqlite.attach((f) =>
        withKVCache(f, kv, { namespace, ...(memory ? {} : { memory: false as const }) }),
      )
    for (const name of wanted) {
      process.stderr.write(`profiling ${name} for ${SECONDS} s...\n`)
      if (name === 'memory-hit') {
        const payload = await attach(memoryKV(), true, 'p-mem')
        out[name] = await profileLoop(name, () => payload.db.find(adapterPageFind()))
      } else if (name === 'memory-hit-by-id') {
        const payload = await attach(memoryKV(), true, 'p-mem-id')
        const id = ((await sqlite.plain.find(pageFind)).docs[0]?.id ?? 1) as number | string
        out[name] = await profileLoop(name, () => payload.db.findOne(adapterFindOne(id)))
      } else if (name === 'payload-find-memory-hit') {
        const payload = await attach(memoryKV(), true, 'p-find')
        out[name] = await profileLoop(name, () => payload.find(pageFind))
      } else if (name === 'miss') {
        const payload = await attach(missKV(), false, 'p-miss')
        out[name] = await profileLoop(
          name,
          () => payload.db.find(adapterPageFind()),
          () => settled(payload),
        )
      } else if (name === 'instant-miss') {
        const page = await sqlite.plain.db.find(adapterPageFind())
        const { host, db } = instantCache(sqlite.plain, page, null, {
          namespace: 'p-instant',
          memory: false,
        })
        out[name] = await profileLoop(
          name,
          () => db.find(adapterPageFind() as never),
          () => settled(host),
        )
      } else if (name === 'kv-hit') {
        const payload = await attach(memoryKV(), false, 'p-kv')
        await payload.db.find(adapterPageFind())
        await settled(payload)
        out[name] = await profileLoop(name, () => payload.db.find(adapterPageFind()))
      } else {
        throw new Error(`unknown scenario ${name}`)
      }
    }
  } finally {
    await sqlite.cleanup()
  }
  const text = JSON.stringify(out, null, 2)
  process.stdout.write(`${text}\n`)
  await writeFile(join(here, '..', 'results', 'profiles', 'summary.json'), `${text}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
