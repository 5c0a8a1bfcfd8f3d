// Bindings the `workers` test project gives the runner (see vitest.workspace.ts).
declare namespace Cloudflare {
  interface Env {
    CACHE: KVNamespace
    D1: D1Database
    D1_REPLICA: D1Database
  }
}
