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
    config: createConfig({ ...cloudflare, logLevel: 'warn' }),
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
