// OpenNext's adapter config: the defaults. Pages are rendered per request (each reads Payload,
// whose reads payload-kv-cache serves), so there is no Next.js incremental cache to configure.
import { defineCloudflareConfig } from '@opennextjs/cloudflare/config'

export default defineCloudflareConfig({})
