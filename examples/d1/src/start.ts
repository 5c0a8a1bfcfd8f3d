// `pnpm start`: Payload on local D1 and KV (workerd through wrangler's platform proxy), seeded if
// empty, serving Payload's REST API on http://127.0.0.1:3000/api. `--once` exits after the checks.
import { getPayload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import { demoUser, generateContent, serve } from 'payload-kv-cache-example-shared'
import { getCloudflareContext } from './cloudflare.js'
import { createConfig } from './config.js'
import { seedD1 } from './seed/seedD1.js'

const port = Number(process.env.PORT ?? 3000)
const once = process.argv.includes('--once')
const ms = (since: number) => `${(performance.now() - since).toFixed(1)} ms`

let t = performance.now()
const cloudflare = await getCloudflareContext()
console.log(
  `Local D1 and KV bindings ready (wrangler platform proxy, data in .wrangler/state) in ${ms(t)}`,
)

try {
  t = performance.now()
  const config = createConfig(cloudflare)
  const payload = await getPayload({ config })
  console.log(`Payload ${payload.db.name} adapter with payload-kv-cache initialized in ${ms(t)}`)

  const seeded = await seedD1(payload, cloudflare.env.D1, generateContent({ seed: 1, posts: 60 }))
  console.log(
    seeded
      ? `Seeded ${seeded.posts} posts (${seeded.drafts} drafts), ${seeded.authors} authors, ${seeded.categories} categories, ${seeded.comments} comments and the header in ${seeded.ms} ms (${seeded.rows} rows)`
      : 'Database already seeded (delete .wrangler/state to start over)',
  )

  // The same page read three times: from D1 (or KV, when an earlier run left it there), then from
  // the memory tier of this process.
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
    await payload.destroy()
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
    await payload.destroy()
  }
} finally {
  await cloudflare.dispose()
}
