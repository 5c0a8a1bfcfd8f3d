// Payload's config entry (what the `payload` CLI and Next.js load), in the shape of Payload's
// Cloudflare template: KV and Hyperdrive from the Workers runtime when deployed, KV from
// wrangler's local platform proxy and PostgreSQL from DATABASE_URL everywhere else.
import { databaseOf, getCloudflareContext } from './cloudflare.js'
import { createConfig } from './config.js'

const cloudflare = await getCloudflareContext()

export default createConfig({ ...cloudflare, ...databaseOf(cloudflare) })
