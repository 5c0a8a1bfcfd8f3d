import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats, resetCacheStats } from '../src/index.js'
import type { KVCacheOptions } from '../src/types.js'
import {
  type ControlPair,
  type Isolate,
  type RestClient,
  restClient,
  startControlPair,
  startIsolate,
} from './suites/controlPair.js'

/**
 * An editor's consecutive requests land on different isolates. Isolate B here has fresh tokens
 * and a `maxStaleMs` longer than the test, so it stands for the worst case the consistency model
 * allows: an isolate that will not look at KV's tokens again for a minute.
 */
const isolates = (authenticatedReads: KVCacheOptions['authenticatedReads']) => {
  const options: Omit<KVCacheOptions, 'waitUntil'> = { maxStaleMs: 60_000, authenticatedReads }
  let pair: ControlPair
  let other: Isolate
  let restB: RestClient
  let editor: Record<string, string>

  beforeAll(async () => {
    pair = await startControlPair('sqlite', { options })
    other = await startIsolate(pair, options)
    restB = restClient(other.payload)
    const login = await pair.rest.json<{ token: string }>('/users/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: pair.data.users.editor.email, password: pair.data.password }),
    })
    editor = { Authorization: `JWT ${login.token}` }
  }, 120_000)
  afterAll(async () => {
    restB?.dispose()
    await other?.cleanup()
    await pair?.cleanup()
  })

  /** Edits a post on isolate A, then reads it on isolate B as the editor and anonymously. */
  return async (n: number) => {
    const id = pair.data.published[n] as number
    const title = async (path: string, headers: Record<string, string> = {}) => {
      const body = await restB.json<{ title?: string; docs?: { title: string }[] }>(path, {
        headers,
      })
      return body.title ?? body.docs?.[0]?.title
    }
    const paths = [`/posts/${id}?depth=0`, `/posts?where[id][equals]=${id}&depth=0`]
    // B has read the post, as the editor and anonymously, before the edit.
    const before: (string | undefined)[] = []
    for (const path of paths) {
      before.push(await title(path, editor), await title(path))
    }
    await pair.rest.json(`/posts/${id}`, {
      method: 'PATCH',
      headers: { ...editor, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `Edited ${n}` }),
    })
    await pair.settle()
    resetCacheStats(other.payload)
    const editorSees: (string | undefined)[] = []
    const anonymousSees: (string | undefined)[] = []
    for (const path of paths) {
      editorSees.push(await title(path, editor))
      anonymousSees.push(await title(path))
    }
    return { before, editorSees, anonymousSees, stats: getCacheStats(other.payload) }
  }
}

describe('editors see their own edits on any isolate (authenticatedReads: database, the default)', () => {
  const edit = isolates(undefined)

  it('shows the edit to the editor on the next request, on an isolate that cached the old version', async () => {
    const { before, editorSees, anonymousSees, stats } = await edit(0)
    expect(before.every((seen) => seen !== 'Edited 0')).toBe(true)
    expect(editorSees).toEqual(['Edited 0', 'Edited 0'])
    // Anonymous traffic is still served from B's cache: it catches up within the
    // cross-isolate bound (maxStaleMs plus KV propagation), as documented.
    expect(stats.total.hits.memory).toBe(2)
    expect(stats.total.bypasses).toBeGreaterThanOrEqual(2)
    expect(anonymousSees).toEqual(before.filter((_, i) => i % 2 === 1))
  })
})

describe('authenticatedReads: cache', () => {
  const edit = isolates('cache')

  it('serves the editor from the cache too, so another isolate may show the old version', async () => {
    const { before, editorSees } = await edit(1)
    expect(editorSees).toEqual(before.filter((_, i) => i % 2 === 0))
    expect(editorSees).not.toContain('Edited 1')
  })
})
