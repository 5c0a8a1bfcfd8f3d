// `pnpm start`: Payload on local D1 and KV (workerd through wrangler's platform proxy), seeded if
// empty, serving Payload's REST API on http://127.0.0.1:3000/api. `--once` exits after the checks.
import { getPayload } from 'payload'
import { generateContent, runInOwnSession, showAndServe } from 'payload-kv-cache-example-shared'
import { getCloudflareContext } from './cloudflare.js'
import { createConfig } from './config.js'
import { seedD1 } from './seed/seedD1.js'

// Out of the terminal's process group, so Ctrl-C cannot stop the local workerd before the
// shutdown below has awaited the cache's background KV writes.
await runInOwnSession()

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
  await showAndServe({ payload, config, port, once, destroy: async (p) => p.destroy() })
} finally {
  await cloudflare.dispose()
}
