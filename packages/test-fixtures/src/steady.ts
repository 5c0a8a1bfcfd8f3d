/**
 * The cache's options for tests that count hits and misses: `timeoutMs` well above the 1 s default.
 * On a 2-core machine running two test files, a Miniflare KV call (a loopback HTTP hop) can stall
 * past 1 s; the cache then rightly bypasses that read, and an exact count is off by one. Tests of
 * timeouts set their own `timeoutMs`, which wins. For the same reason the hedge is off
 * (`hedgeMs: false`): a KV lookup slower than a few milliseconds would otherwise let the database
 * answer a read that is a hit, which the count would call a miss. The hedge has tests of its own,
 * on a KV whose latency is modelled (`packages/kv-cache/test/load/`).
 *
 * Structural, so that this package needs no dependency on the cache: the result is a
 * `KVCacheOptions` wherever `options` is one.
 */
export const steady = <T extends object>(
  options: T = {} as T,
): { timeoutMs: number; hedgeMs: false } & T => ({
  timeoutMs: 10_000,
  hedgeMs: false,
  ...options,
})
