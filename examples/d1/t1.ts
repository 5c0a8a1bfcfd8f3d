import { getPayload } from 'payload'
import { generateContent } from 'payload-kv-cache-example-shared'
import { getCloudflareContext } from './src/cloudflare.ts'
import { createConfig } from './src/config.ts'
import { seedD1 } from './src/seed/seedD1.ts'

const c = await getCloudflareContext({ persist: false })
try {
  const p = await getPayload({ config: createConfig({ ...c, logLevel: 'error' }), key: 'a' })
  const t = performance.now()
  const r = await seedD1(p, c.env.D1, generateContent({ seed: 42, posts: 240 }))
  console.log(r, performance.now() - t)
} finally {
  await c.dispose()
}
