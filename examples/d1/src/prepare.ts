// `pnpm app:prepare`: makes the local D1 ready for the built app before `wrangler dev` serves it.
// Payload, booted in Node on the same local D1 and KV (wrangler's platform proxy, the files
// `wrangler dev` serves), pushes the schema as it does in development, then the demo content is
// seeded if the database is empty; the page cache's tag table is created. The worker itself runs
// in production mode and never pushes.
// `--persist-to <dir>` picks the state folder (default `.wrangler/state`), as for `wrangler dev`.
import path from 'node:path'
import { getPayload } from 'payload'
import { generateContent } from 'payload-kv-cache-example-shared'
import { getCloudflareContext } from './cloudflare.js'
import { createConfig } from './config.js'
import { seedD1 } from './seed/seedD1.js'

const flag = process.argv.indexOf('--persist-to')
const persistTo = flag >= 0 ? process.argv[flag + 1] : undefined

const started = performance.now()
// `wrangler dev --persist-to <dir>` keeps its data in `<dir>/v3`; the platform proxy takes that
// inner folder itself (its default is `.wrangler/state/v3`).
const cloudflare = await getCloudflareContext(
  persistTo ? { persist: { path: path.join(path.resolve(persistTo), 'v3') } } : {},
)
try {
  // OpenNext's tag cache table, as `opennextjs-cloudflare populateCache` creates it (the app's
  // cached pages are rendered on their first request, so there is no page to populate).
  await cloudflare.env.NEXT_TAG_CACHE_D1.exec(
    'CREATE TABLE IF NOT EXISTS revalidations (tag TEXT NOT NULL, revalidatedAt INTEGER NOT NULL, stale INTEGER, expire INTEGER default NULL, UNIQUE(tag) ON CONFLICT REPLACE);',
  )
  const payload = await getPayload({ config: createConfig({ ...cloudflare, logLevel: 'warn' }) })
  const seeded = await seedD1(payload, cloudflare.env.D1, generateContent({ seed: 1, posts: 60 }))
  console.log(
    seeded
      ? `Schema pushed; seeded ${seeded.posts} posts (${seeded.drafts} drafts), ${seeded.authors} authors, ${seeded.categories} categories, ${seeded.comments} comments, the header and the editor editor@example.com / editor-password`
      : 'Schema up to date; database already seeded (delete .wrangler/state to start over)',
  )
  await payload.destroy()
} finally {
  await cloudflare.dispose()
}
console.log(`Local D1 ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
