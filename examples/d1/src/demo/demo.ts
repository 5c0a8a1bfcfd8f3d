// `pnpm demo`: the D1 example on fresh local D1 and KV, seeded with a few hundred posts, under a
// read-heavy workload with editors' writes in between. Every read runs twice, through the cached
// Payload and through a plain one on the same database: the second gives the latency without
// the cache and proves each cached answer fresh. Options: --posts N --requests N --seed N
// --requests-per-isolate N --edit-rate F --max-seconds N (for the whole run)
import { parseArgs } from 'node:util'
import { getPayload, type Payload } from 'payload'
import { createRandom, generateContent } from 'payload-kv-cache-example-shared'
import { getCloudflareContext } from '../cloudflare.js'
import { createConfig } from '../config.js'
import { seedD1 } from '../seed/seedD1.js'
import { addStats, emptyStats, readCacheStats, resetStats } from './cacheStats.js'
import { countingKV } from './countingKV.js'
import { progressBar } from './progress.js'
import { type DemoResult, formatReport, type Latencies } from './report.js'
import { indexSite, workload } from './workload.js'

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '240' },
    requests: { type: 'string', default: '600' },
    seed: { type: 'string', default: '42' },
    // Workers recycle isolates: a new one starts with an empty memory tier and reads KV.
    'requests-per-isolate': { type: 'string', default: '200' },
    'edit-rate': { type: 'string', default: '0.04' },
    // Keeps `pnpm demo` near two minutes on a slow or busy machine: the workload gets what is left
    // of this after booting and seeding (30 s at least), and the report says if it stopped early.
    'max-seconds': { type: 'string', default: '105' },
  },
})
const posts = Number(values.posts)
const requests = Number(values.requests)
const seed = Number(values.seed)
const perIsolate = Number(values['requests-per-isolate'])
const editRate = Number(values['edit-rate'])
const maxSeconds = Number(values['max-seconds'])

const started = performance.now()
const log = (message: string) => process.stderr.write(`${message}\n`)
const cloudflare = await getCloudflareContext({ persist: false })
let exitCode = 1
try {
  const kv = countingKV(cloudflare.env.CACHE)
  let isolates = 0
  const startIsolate = async (): Promise<Payload> => {
    isolates++
    const config = createConfig({
      env: { ...cloudflare.env, CACHE: kv.binding },
      waitUntil: cloudflare.waitUntil,
      // The first isolate pushes the schema; the others find it there.
      push: isolates === 1,
      logLevel: 'error',
    })
    return getPayload({ config, key: `demo-isolate-${isolates}` })
  }

  let t = performance.now()
  let cached = await startIsolate()
  log(
    `D1 and KV in workerd, Payload with payload-kv-cache: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )

  t = performance.now()
  const seeded = await seedD1(cached, cloudflare.env.D1, generateContent({ seed, posts }))
  if (!seeded) throw new Error('the demo database was not empty')
  log(
    `Seeded ${seeded.posts} posts (${seeded.drafts} drafts, two locales), ${seeded.authors} authors, ${seeded.categories} categories, ${seeded.comments} comments, the header: ${seeded.rows} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  )

  // The reference: the same app without the cache, on the same D1 database.
  const reference = await getPayload({
    config: createConfig({ ...cloudflare, cache: false, push: false, logLevel: 'error' }),
    key: 'demo-uncached',
  })
  const site = await indexSite(reference)
  // Start counting from here: seeding and indexing are not part of the workload.
  const bindingAtStart = { ...kv.calls }
  const retiredIsolates: Payload[] = []
  resetStats(cached)

  const latency: DemoResult['latency'] = {
    cached: [],
    uncached: [],
    byKind: new Map<string, Latencies>(),
  }
  const settle = (promise: Promise<unknown>) =>
    promise.then(
      (value) => JSON.stringify(value),
      (error: Error) => JSON.stringify({ error: error.name, message: error.message }),
    )
  const roundTrip = {
    d1: await medianMs(() => cloudflare.env.D1.prepare('SELECT 1').first()),
    kv: await medianMs(() => cloudflare.env.CACHE.get('demo-probe')),
  }
  const random = createRandom(seed)
  const deadline = Math.max(started + maxSeconds * 1000, performance.now() + 30_000)
  const budget = deadline - performance.now()
  let isolateStartedAt = { done: 0, time: performance.now() }
  let stoppedEarly = false
  const progress = progressBar('Workload', requests)
  let done = 0
  let reads = 0
  let edits = 0
  let staleReads = 0
  for (const step of workload(random, site, requests, editRate)) {
    if (performance.now() > deadline) {
      stoppedEarly = true
      break
    }
    // A new isolate every `perIsolate` requests, or every third of the time budget on a slow machine.
    const isolateDue =
      done - isolateStartedAt.done >= perIsolate ||
      performance.now() - isolateStartedAt.time > budget / 3
    if (done > 0 && isolateDue) {
      const retired = cached
      await retired.destroy()
      cached = await startIsolate()
      retiredIsolates.push(retired)
      isolateStartedAt = { done, time: performance.now() }
    }
    if (step.type === 'edit') {
      await step.run(cached)
      edits++
    } else {
      t = performance.now()
      const answer = await settle(step.run(cached))
      const cachedMs = performance.now() - t
      t = performance.now()
      const truth = await settle(step.run(reference))
      const uncachedMs = performance.now() - t
      reads++
      if (answer !== truth) {
        staleReads++
        if (staleReads <= 3)
          log(
            `\nSTALE ${step.kind}:\n  cached:   ${answer.slice(0, 300)}\n  database: ${truth.slice(0, 300)}`,
          )
      }
      latency.cached.push(cachedMs)
      latency.uncached.push(uncachedMs)
      const kind = latency.byKind.get(step.kind) ?? { cached: [], uncached: [] }
      kind.cached.push(cachedMs)
      kind.uncached.push(uncachedMs)
      latency.byKind.set(step.kind, kind)
    }
    done++
    progress.update(done, `${edits} edits, ${staleReads} stale`)
  }
  progress.done()

  await cached.destroy()
  await reference.destroy()
  // The totals are final once the background KV writes have landed.
  await cloudflare.dispose()
  const stats = [...retiredIsolates, cached].map(readCacheStats).reduce(addStats, emptyStats())
  const binding = {
    read: kv.calls.read - bindingAtStart.read,
    write: kv.calls.write - bindingAtStart.write,
    delete: kv.calls.delete - bindingAtStart.delete,
    list: kv.calls.list - bindingAtStart.list,
    readKeys: kv.calls.readKeys - bindingAtStart.readKeys,
  }
  const result: DemoResult = {
    roundTrip,
    stoppedEarly,
    posts: seeded.posts,
    requests: done,
    reads,
    edits,
    isolates,
    latency,
    stats,
    binding,
    staleReads,
    seconds: (performance.now() - started) / 1000,
  }
  console.log(`\n${formatReport(result)}`)
  exitCode = staleReads === 0 ? 0 : 1
} finally {
  await cloudflare.dispose()
}
process.exitCode = exitCode

async function medianMs(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now()
    await run()
    times.push(performance.now() - t0)
  }
  return times.sort((a, b) => a - b)[7] ?? Number.NaN
}
