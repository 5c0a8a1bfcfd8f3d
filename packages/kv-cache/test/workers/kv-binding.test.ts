import { env } from 'cloudflare:workers'
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, expect, it } from 'vitest'

// Proves the `workers` project runs inside workerd with a real KV binding named CACHE,
// the same namespace API the cache uses in production.
describe('KV binding inside workerd', () => {
  it('runs in the Workers runtime', () => {
    expect(navigator.userAgent).toBe('Cloudflare-Workers')
  })

  it('reads back what it writes, as text, JSON and bytes', async () => {
    const value = { docs: [{ id: 1, title: 'Hello' }], totalDocs: 1 }
    await env.CACHE.put('rw:posts', JSON.stringify(value))

    expect(await env.CACHE.get('rw:posts')).toBe(JSON.stringify(value))
    expect(await env.CACHE.get('rw:posts', 'json')).toEqual(value)
    const bytes = await env.CACHE.get('rw:posts', 'arrayBuffer')
    expect(new TextDecoder().decode(bytes ?? new ArrayBuffer(0))).toBe(JSON.stringify(value))
    expect(await env.CACHE.get('rw:missing')).toBeNull()
  })

  it('keeps metadata and expiration beside the value', async () => {
    await env.CACHE.put('meta:post', 'body', { expirationTtl: 600, metadata: { version: 3 } })

    const { metadata, value } = await env.CACHE.getWithMetadata<{ version: number }>('meta:post')
    expect(value).toBe('body')
    expect(metadata).toEqual({ version: 3 })

    const { keys } = await env.CACHE.list({ prefix: 'meta:' })
    expect(keys).toHaveLength(1)
    expect(keys[0]?.metadata).toEqual({ version: 3 })
    const inTenMinutes = Date.now() / 1000 + 600
    expect(keys[0]?.expiration).toBeGreaterThan(inTenMinutes - 60)
    expect(keys[0]?.expiration).toBeLessThanOrEqual(inTenMinutes + 1)
  })

  it('lists keys by prefix, page by page', async () => {
    const names = ['list:a', 'list:b', 'list:c', 'other:d']
    await Promise.all(names.map((name) => env.CACHE.put(name, name)))

    const first = await env.CACHE.list({ limit: 2, prefix: 'list:' })
    expect(first.keys.map((key) => key.name)).toEqual(['list:a', 'list:b'])
    expect(first.list_complete).toBe(false)
    if (first.list_complete) return

    const rest = await env.CACHE.list({ cursor: first.cursor, limit: 2, prefix: 'list:' })
    expect(rest.keys.map((key) => key.name)).toEqual(['list:c'])
    expect(rest.list_complete).toBe(true)
  })

  it('forgets deleted keys', async () => {
    await env.CACHE.put('del:post', 'gone soon')
    await env.CACHE.delete('del:post')

    expect(await env.CACHE.get('del:post')).toBeNull()
    expect((await env.CACHE.list({ prefix: 'del:' })).keys).toEqual([])
    // Deleting a key that does not exist is not an error.
    await expect(env.CACHE.delete('del:never-written')).resolves.toBeUndefined()
  })

  it('has AsyncLocalStorage through nodejs_compat', async () => {
    const storage = new AsyncLocalStorage<string>()
    const seen = await storage.run('request-1', async () => {
      await env.CACHE.get('als:any')
      return storage.getStore()
    })
    expect(seen).toBe('request-1')
  })
})
