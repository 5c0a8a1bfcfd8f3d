/**
 * `pnpm bench` (from the repository root): payload-kv-cache side by side with the uncached
 * databases, in one run. Prints Markdown tables and writes `results/latest.json` (every number)
 * and `results/latest.md` (the tables). Sizes: see `config.ts` (BENCH_* environment variables).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { readConfig } from './config.js'
import { type BenchDatabase, copiedD1, seededDatabase } from './databases.js'
import { describeMachine } from './machine.js'
import { renderReport } from './report.js'
import type { Results, Target } from './results.js'
import { invalidation } from './sections/invalidation.js'
import { memoryTier } from './sections/memoryTier.js'
import { overhead } from './sections/overhead.js'
import { production, productionConfig } from './sections/production.js'
import { readsFromNode, readsInWorkerd } from './sections/reads.js'
import { replicaLag } from './sections/replicaLag.js'
import { fmt } from './timing.js'
import { startWorkerd } from './workerd.js'

// db-d1-sqlite 3.87.1 sits beside payload 3.90.2 on purpose; Payload's version check would
// report that at every start. Fresh databases with one schema need the push forced (see fixtures).
process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER = 'true'
process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'

const here = dirname(fileURLToPath(import.meta.url))

const log = (line: string) => process.stderr.write(`${line}\n`)

async function postgresVersion(): Promise<string | undefined> {
  if (!process.env.DATABASE_URL) return undefined
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  try {
    return (await client.query('SHOW server_version')).rows[0]?.server_version as string
  } finally {
    await client.end()
  }
}

function targetsOf(results: Results): Target[] {
  const targets: Target[] = []
  const memory = results.reads?.tiers['memory hit']
  const sqlite = results.reads?.tiers['uncached sqlite']
  if (memory && sqlite) {
    const hit = memory['payload.db.find']
    const hitOne = memory['payload.db.findOne']
    const bare = sqlite['payload.db.find']
    if (hit && hitOne && bare) {
      targets.push({
        target: 'memory-tier hit ≤ 50 µs median (adapter level, 10-doc page and by-ID)',
        measured: `db.find ${fmt(hit.p50)}, db.findOne ${fmt(hitOne.p50)}`,
        met: hit.p50 <= 0.05 && hitOne.p50 <= 0.05,
      })
      targets.push({
        target: 'memory-tier hit ≥ 20× faster than an uncached local sqlite find (adapter level)',
        measured: `${(bare.p50 / hit.p50).toFixed(1)}× (${fmt(bare.p50)} / ${fmt(hit.p50)})`,
        met: bare.p50 / hit.p50 >= 20,
      })
    }
    const hitFind = memory['payload.find']
    const bareFind = sqlite['payload.find']
    if (hitFind && bareFind) {
      targets.push({
        target:
          'the same through payload.find (Payload’s own work included, not a target of the cache)',
        measured: `${fmt(hitFind.p50)}; ${(bareFind.p50 / hitFind.p50).toFixed(1)}× faster than uncached (${fmt(bareFind.p50)})`,
        met: hitFind.p50 <= 0.05 && bareFind.p50 / hitFind.p50 >= 20,
      })
    }
  }
  for (const name of [
    'miss · sqlite · db.find (10-doc page)',
    'miss · sqlite · db.findOne (by ID)',
  ]) {
    const miss = results.overhead?.scenarios[name]
    if (miss) {
      targets.push({
        target: `wrapper overhead on a miss ≤ 5% of the query or ≤ 100 µs (${name})`,
        measured: `${fmt(miss.added.p50)} = ${miss.addedPercentOfBare.toFixed(1)}% of ${fmt(miss.bare.p50)}`,
        met: miss.added.p50 <= 0.1 || miss.addedPercentOfBare <= 5,
      })
    }
  }
  const points = results.invalidation
  if (points?.length) {
    const ops = points.map((p) => p.ours.ops.total)
    const times = points.map((p) => p.ours.ms)
    targets.push({
      target: 'invalidation cost flat in the number of entries',
      measured: `KV ops ${ops.join(' / ')}, time ${times.map(fmt).join(' / ')} at ${points.map((p) => p.entries).join(' / ')} entries`,
      met:
        ops.every((o) => o === ops[0]) &&
        points.every((p) => p.ours.ops.list === 0 && p.ours.ops.delete === 0),
    })
  }
  return targets
}

async function main() {
  const config = readConfig()
  const started = Date.now()
  const results: Results = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: 0,
    command: 'pnpm bench',
    machine: describeMachine(),
    config,
    setup: {},
    targets: [],
    notes: [],
  }
  const pgVersion = await postgresVersion()
  if (pgVersion) results.machine.postgresServer = `PostgreSQL ${pgVersion} on 127.0.0.1`
  log(`payload-kv-cache bench: ${JSON.stringify(config)}`)

  const cleanups: Array<() => Promise<void>> = []
  try {
    log('bundling the Worker and starting Miniflare...')
    const workerd = await startWorkerd()
    cleanups.push(workerd.dispose)
    results.setup.workerBundleBytes = workerd.bundleBytes
    results.setup.workerBundleMs = Math.round(workerd.bundleMs)

    log(
      `seeding sqlite${process.env.DATABASE_URL ? ' and PostgreSQL' : ''} with ${config.posts} posts...`,
    )
    const [sqlite, postgres] = await Promise.all([
      seededDatabase('sqlite', config.posts),
      process.env.DATABASE_URL
        ? seededDatabase('postgres', config.posts)
        : Promise.resolve(undefined),
    ])
    cleanups.push(sqlite.cleanup)
    if (postgres) cleanups.push(postgres.cleanup)
    else
      results.notes.push(
        'DATABASE_URL not set: PostgreSQL skipped (run through `pnpm bench` at the root).',
      )
    results.setup.sqliteSeedMs = Math.round(sqlite.seedMs)
    if (postgres) results.setup.postgresSeedMs = Math.round(postgres.seedMs)
    log('copying the sqlite rows into D1...')
    const d1 = await copiedD1(workerd.d1, sqlite)
    cleanups.push(d1.cleanup)
    results.setup.d1CopyMs = Math.round(d1.seedMs)
    const databases: BenchDatabase[] = [sqlite, ...(postgres ? [postgres] : []), d1]

    if (config.sections.includes('reads')) {
      log('read latency from Node...')
      results.reads = await readsFromNode(config, databases, workerd.kv, log)
    }
    if (config.sections.includes('workerd')) {
      log('read latency inside workerd...')
      results.workerd = {
        ...(await readsInWorkerd(config, workerd, log)),
        bundleBytes: workerd.bundleBytes,
      }
    }
    if (config.sections.includes('overhead')) {
      log('wrapper overhead...')
      results.overhead = await overhead(config, sqlite)
    }
    if (config.sections.includes('invalidation')) {
      log('invalidation cost...')
      results.invalidation = await invalidation(config, workerd, log)
    }
    if (config.sections.includes('production')) {
      log('production model inside workerd...')
      const dir = join(here, '..', 'results')
      await mkdir(dir, { recursive: true })
      results.production = (await production(workerd, config.posts, dir, log)).points
    }
    // Part of `production` (one of its variants: not with BENCH_PRODUCTION_VARIANTS=0); `replicas`
    // runs it alone (sections/replicaLag.ts).
    if (
      (config.sections.includes('production') && productionConfig().variants) ||
      config.sections.includes('replicas')
    ) {
      log('production model behind D1 read replicas...')
      const dir = join(here, '..', 'results')
      await mkdir(dir, { recursive: true })
      await replicaLag(workerd, config.posts, dir, log)
    }
    if (config.sections.includes('memory')) {
      log('memory tier...')
      results.memory = await memoryTier(config, sqlite, log)
    }
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => log(`cleanup: ${error}`))
  }

  results.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)))
  results.targets = targetsOf(results)
  results.durationSeconds = Math.round((Date.now() - started) / 1000)
  const report = renderReport(results)
  process.stdout.write(`\n${report}\nfinished in ${results.durationSeconds} s\n`)
  const dir = join(here, '..', 'results')
  await mkdir(dir, { recursive: true })
  // A run of the production model (or its replicas) alone leaves the other sections' results as they were.
  if (config.sections.some((section) => section !== 'production' && section !== 'replicas')) {
    await writeFile(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`)
    await writeFile(join(dir, 'latest.md'), report)
    log(`wrote ${join(dir, 'latest.json')} and latest.md`)
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
