// The cache dashboard view in the admin: not there yet (a later step of issue 9). Its tests go
// here; log in with `logInToAdmin(page, baseURL)` from `support/app.ts`, launch the browser with
// `launchChromium()` from `support/browser.ts`, and compare with `cacheStats(baseURL, token)`.
import { describe, test } from 'vitest'

describe('the cache dashboard in the admin', () => {
  test.todo('shows the hits, misses and KV operations of GET /api/kv-cache/stats')
})
