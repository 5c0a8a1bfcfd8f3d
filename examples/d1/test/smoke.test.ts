import { getPayload, type Payload } from 'payload'
import { smokeScenario } from 'payload-kv-cache-example-shared/test'
import { afterAll, beforeAll, test } from 'vitest'
import { type CloudflareContext, getCloudflareContext } from '../src/cloudflare.js'
import { createConfig } from '../src/config.js'

let cloudflare: CloudflareContext
let payload: Payload

beforeAll(async () => {
  // Fresh in-memory D1 and KV from wrangler.jsonc, made as `pnpm start` makes them, not persisted.
  cloudflare = await getCloudflareContext({ persist: false })
  payload = await getPayload({
    // The scenario counts hits: no hedge (a local KV read can be slower than local D1, and the
    // database would answer a read the cache holds) and no timeouts on a loaded machine.
    config: createConfig({
      ...cloudflare,
      logLevel: 'warn',
      cache: { hedgeMs: false, timeoutMs: 10_000 },
    }),
    key: `example-d1-smoke-${Date.now()}`,
  })
})

afterAll(async () => {
  await payload?.destroy()
  // Always stop workerd, or it outlives the test run.
  await cloudflare?.dispose()
})

test('the D1 example creates a post and reads it back, the second time from the cache', () =>
  smokeScenario(payload))
