// The README's quick-start config as ../quick-start/src/worker.ts sees it. In the fresh project
// consumer.mjs writes the README's ```ts block there as src/payload.config.ts; that block itself is
// typechecked by packages/kv-cache/test/readme.test.ts.
import type { buildConfig } from 'payload'

declare const config: ReturnType<typeof buildConfig>
export default config
