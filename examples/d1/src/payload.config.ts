// Payload's config entry (what the `payload` CLI and Next.js load), in the shape of Payload's
// Cloudflare template: bindings from the Workers runtime when deployed, from wrangler's local
// platform proxy everywhere else.
import { getCloudflareContext } from './cloudflare.js'
import { createConfig } from './config.js'

const cloudflare = await getCloudflareContext()

export default createConfig(cloudflare)
