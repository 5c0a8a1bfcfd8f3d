// What `wrangler types` declares in the fresh project from the README's wrangler.jsonc and the
// quick start's .dev.vars (the runtime types come from @cloudflare/workers-types here).
declare namespace Cloudflare {
  interface Env {
    D1: D1Database
    CACHE: KVNamespace
    PAYLOAD_SECRET: string
  }
}
interface Env extends Cloudflare.Env {}
