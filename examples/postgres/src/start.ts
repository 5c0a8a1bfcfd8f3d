// `pnpm start`: Payload on PostgreSQL (DATABASE_URL; the script starts a throwaway one when it is
// not set) with KV from wrangler's platform proxy, seeded if empty, serving Payload's REST API on
// http://127.0.0.1:3000/api. `--once` exits after the checks.
import { getPayload } from 'payload'
import {
  generateContent,
  isSeeded,
  runInOwnSession,
  seed,
  showAndServe,
} from 'payload-kv-cache-example-shared'
import { databaseOf, getCloudflareContext } from './cloudflare.js'
import { createConfig, destroyPayload } from './config.js'

// Out of the terminal's process group, so Ctrl-C cannot stop the local workerd before the
// shutdown below has awaited the cache's background KV writes.
await runInOwnSession()

const port = Number(process.env.PORT ?? 3000)
const once = process.argv.includes('--once')
const ms = (since: number) => `${(performance.now() - since).toFixed(1)} ms`

let t = performance.now()
const cloudflare = await getCloudflareContext()
console.log(`Local KV binding ready (wrangler platform proxy, data in .wrangler/state) in ${ms(t)}`)

try {
  t = performance.now()
  const config = createConfig({ ...cloudflare, ...databaseOf(cloudflare) })
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
  await showAndServe({ payload, config, port, once, destroy: destroyPayload })
} finally {
  await cloudflare.dispose()
}
