// `pnpm start`: Payload on PostgreSQL (DATABASE_URL; the script starts a throwaway one when it is
// not set) with KV from wrangler's platform proxy, seeded if empty, serving Payload's REST API on
// http://127.0.0.1:3000/api. `--once` exits after the checks.
import { getPayload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import { demoUser, generateContent, isSeeded, seed, serve } from 'payload-kv-cache-example-shared'
import { connectionStringOf, getCloudflareContext } from './cloudflare.js'
import { createConfig, destroyPayload } from './config.js'

const port = Number(process.env.PORT ?? 3000)
const once = process.argv.includes('--once')
const ms = (since: number) => `${(performance.now() - since).toFixed(1)} ms`

let t = performance.now()
const cloudflare = await getCloudflareContext()
console.log(`Local KV binding ready (wrangler platform proxy, data in .wrangler/state) in ${ms(t)}`)

try {
  t = performance.now()
  const config = createConfig({ ...cloudflare, connectionString: connectionStringOf(cloudflare) })
  const payload = await getPayload({ config })
  console.log(`Payload ${payload.db.name} adapter with payload-kv-cache initialized in ${ms(t)}`)

  if (await isSeeded(payload)) {
    console.log('Database already seeded')
  } else {
    const seeded = await seed(payload, generateContent({ seed: 1, posts: 60 }))
    console.log(
      `Seeded ${seeded.posts} posts (${seeded.drafts} drafts), ${seeded.authors} authors, ${seeded.categories} categories, ${seeded.comments} comments and the header in ${seeded.ms} ms`,
    )
  }

  // The same page read three times: from PostgreSQL (or KV, when an earlier run left it there),
  // then from the memory tier of this process.
  const page = () =>
    payload.find({
      collection: 'posts',
      locale: 'de',
      limit: 5,
      sort: '-publishedAt',
      depth: 1,
      overrideAccess: false,
    })
  for (const label of ['first read', 'second read', 'third read']) {
    t = performance.now()
    const result = await page()
    console.log(
      `  posts page, ${label.padEnd(12)} ${ms(t).padStart(10)}  ${result.totalDocs} published, first: ${result.docs[0]?.title}`,
    )
  }
  const slug = (await page()).docs[0]?.slug
  const { total, kv } = getCacheStats(payload)
  console.log(
    `  cache: ${total.hits.memory} memory hits, ${total.hits.kv} KV hits, ${total.misses} misses; KV ${kv.operations.read} reads, ${kv.operations.write} writes`,
  )

  if (once) {
    await destroyPayload(payload)
  } else {
    const server = await serve(config, port)
    const base = `http://127.0.0.1:${port}/api`
    console.log(`\nPayload REST API on ${base} (Ctrl-C to stop). Try:
  curl '${base}/posts?locale=de&limit=3&depth=1'
  curl '${base}/posts?where[slug][equals]=${slug}'
  curl '${base}/globals/header?locale=de'
  curl '${base}/cache-stats'
  curl -X POST '${base}/users/login' -H 'content-type: application/json' -d '{"email":"${demoUser.email}","password":"${demoUser.password}"}'`)
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
    })
    await new Promise((resolve) => server.close(resolve))
    await destroyPayload(payload)
  }
} finally {
  await cloudflare.dispose()
}
