import type { Payload, SanitizedConfig } from 'payload'
import { getCacheStats, settled } from 'payload-kv-cache'
import { shutdownRequested } from './ownSession.js'
import { demoUser } from './seed.js'
import { serve } from './serve.js'

/**
 * What `pnpm start` of every example does once Payload is up: reads one page three times (from
 * the database or KV, then from the memory tier), prints the cache's counters, then either
 * destroys Payload (`once`) or serves the REST API until Ctrl-C or SIGTERM. Either way it first
 * awaits the cache's background KV writes, while the bindings are still open.
 */
export const showAndServe = async ({
  payload,
  config,
  port,
  once,
  destroy,
}: {
  payload: Payload
  config: Promise<SanitizedConfig> | SanitizedConfig
  port: number
  once: boolean
  /** How this example shuts Payload down (the PostgreSQL one also ends its pool). */
  destroy: (payload: Payload) => Promise<void>
}): Promise<void> => {
  const ms = (since: number) => `${(performance.now() - since).toFixed(1)} ms`
  let t: number
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
    await settled(payload)
    await destroy(payload)
  } else {
    const server = await serve(config, port)
    const base = `http://127.0.0.1:${port}/api`
    // `-g`: without it curl reads the brackets of `where[slug][equals]` as a URL glob and fails.
    console.log(`\nPayload REST API on ${base} (Ctrl-C to stop). Try:
  curl -g '${base}/posts?locale=de&limit=3&depth=1'
  curl -g '${base}/posts?where[slug][equals]=${slug}'
  curl -g '${base}/globals/header?locale=de'
  TOKEN=$(curl -s -X POST '${base}/users/login' -H 'content-type: application/json' \\
    -d '{"email":"${demoUser.email}","password":"${demoUser.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
  curl -g -H "Authorization: JWT $TOKEN" '${base}/kv-cache/stats'`)
    const signal = await shutdownRequested()
    console.log(`${signal}: closing the server, awaiting background KV writes, destroying Payload`)
    await new Promise((resolve) => server.close(resolve))
    await settled(payload)
    await destroy(payload)
    console.log('Stopped')
  }
}
