import { getPayload } from 'payload'
import { getPlatformProxy } from 'wrangler'

const proxy = await getPlatformProxy()
globalThis.__quickStartEnv = proxy.env
const { default: config } = await import('./dist/config.node.mjs')
const payload = await getPayload({ config })
await payload.destroy()
await proxy.dispose()
console.log('  ok  schema pushed to the local D1 database')
