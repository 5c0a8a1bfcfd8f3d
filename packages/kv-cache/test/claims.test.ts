import type { CollectionConfig, Plugin } from 'payload'
import { type DatabaseKind, hasPostgres } from 'payload-kv-cache-test-fixtures/databases'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCacheStats } from '../src/index.js'
import {
  type ControlPair,
  type Isolate,
  startControlPair,
  startIsolate,
} from './suites/controlPair.js'

/**
 * A logged-in user's `findByID` is never answered from the cache (`authenticatedReads:
 * 'database'`), although its adapter call, `findOne`, carries no request: the cache learns whose
 * read it is from the claims its hooks note (see src/requestContext.ts). These tests attack that
 * link as a visitor could, over REST, with two isolates: the one under test (`pair.cached`), whose
 * view of the invalidation tokens predates a write made by the other (`writer`), so that a read
 * it wrongly takes from the cache is visibly old.
 */

/** How `memos` treats reads: anonymous ones refused, or reads held in the access check. */
const gate: {
  denyAnonymous: boolean
  hold?: 'anonymous' | 'everyone'
  waiting?: Promise<void>
  release?: () => void
} = { denyAnonymous: true }

/** Holds the reads `who` names in their access check until `gate.release()`. */
const holdReads = (who: 'anonymous' | 'everyone') => {
  gate.denyAnonymous = false
  gate.hold = who
  gate.waiting = new Promise<void>((resolve) => {
    gate.release = resolve
  })
}

/**
 * A collection only logged-in users may read over REST: an anonymous `GET /api/memos/:id` is
 * refused (403) after `beforeOperation`, before any database read. With `holdReads`, reads are
 * allowed but wait in the access check (after the cache's `beforeOperation` claim, before the
 * `findOne`) until the test releases them, so that another read of the same document runs while
 * this one's claim is live.
 */
const memos: Plugin = (config) => {
  const collection: CollectionConfig = {
    slug: 'memos',
    access: {
      read: async ({ req }) => {
        if (!req.user && gate.denyAnonymous) return false
        if (gate.hold === 'everyone' || (gate.hold === 'anonymous' && !req.user)) {
          await gate.waiting
        }
        return true
      },
    },
    fields: [{ name: 'title', type: 'text' }],
  }
  return { ...config, collections: [...(config.collections ?? []), collection] }
}

/** Lets a request started without `await` run up to where it waits. */
const underway = () => new Promise((resolve) => setTimeout(resolve, 50))

const claimsSuite = (kind: DatabaseKind) => {
  describe(`findByID on ${kind}: a logged-in read never takes another request's way`, () => {
    let pair: ControlPair
    let writer: Isolate
    let admin: Record<string, string>

    beforeAll(async () => {
      // Tokens trusted for a minute: the isolate under test cannot learn of the writer's write in
      // the test's time, so only a bypass reads the new title.
      pair = await startControlPair(kind, {
        plugins: [memos],
        posts: 2,
        options: { maxStaleMs: 60_000 },
      })
      writer = await startIsolate(pair, { maxStaleMs: 60_000 })
      const login = await pair.rest.json<{ token: string }>('/users/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: pair.data.users.admin.email, password: pair.data.password }),
      })
      admin = { Authorization: `JWT ${login.token}` }
    }, 120_000)
    afterAll(async () => {
      await writer?.cleanup()
      await pair?.cleanup()
    })

    /**
     * A memo whose by-ID entry the isolate under test holds (a server-side Local API read, which
     * uses the cache), then renamed by the writer isolate.
     */
    const renamedElsewhere = async () => {
      const memo = await pair.plain.create({ collection: 'memos', data: { title: 'first' } })
      const read = await pair.cached.findByID({ collection: 'memos', id: memo.id, depth: 0 })
      expect(read.title).toBe('first')
      await pair.settle()
      await writer.payload.update({ collection: 'memos', id: memo.id, data: { title: 'second' } })
      await writer.settle()
      // The isolate under test still answers anonymous reads from its entry: its tokens predate
      // the write, within the documented cross-isolate bound.
      const stale = await pair.cached.findByID({ collection: 'memos', id: memo.id, depth: 0 })
      expect(stale.title).toBe('first')
      return memo.id
    }

    it('an anonymous 403 leaves nothing an admin read takes', async () => {
      const id = await renamedElsewhere()
      gate.denyAnonymous = true
      gate.hold = undefined
      const refused = await pair.rest.request(`/memos/${id}?depth=0`)
      expect(refused.status).toBe(403)
      const doc = await pair.rest.json<{ title: string }>(`/memos/${id}?depth=0`, {
        headers: admin,
      })
      expect(doc.title).toBe('second')
    })

    it('an admin read while an anonymous read of the same memo is under way', async () => {
      const id = await renamedElsewhere()
      holdReads('anonymous')
      const before = getCacheStats(pair.cached).reads.memos?.findOne?.bypasses ?? 0
      const visitor = pair.rest.json<{ title: string }>(`/memos/${id}?depth=0`)
      await underway() // the visitor's findByID has claimed the memo and waits
      const doc = await pair.rest.json<{ title: string }>(`/memos/${id}?depth=0`, {
        headers: admin,
      })
      expect(doc.title).toBe('second')
      gate.release?.()
      // The visitor is anonymous: the entry within the cross-isolate bound is its to have.
      expect((await visitor).title).toBe('first')
      expect(getCacheStats(pair.cached).reads.memos?.findOne?.bypasses).toBe(before + 1)
    })

    it("a by-ID read with no request of its own never uses up an admin read's claim", async () => {
      const id = await renamedElsewhere()
      holdReads('everyone')
      const reading = pair.rest.json<{ title: string }>(`/memos/${id}?depth=0`, { headers: admin })
      await underway() // the admin's findByID has claimed the memo and waits
      // A direct adapter call without a request (a script's, a plugin's) reads the memo meanwhile.
      const direct = await pair.cached.db.findOne<{ id: number | string; title: string }>({
        collection: 'memos',
        where: { id: { equals: id } },
      })
      expect(direct?.title).toBe('second')
      gate.release?.()
      expect((await reading).title).toBe('second')
    })
  })
}

claimsSuite('sqlite')
claimsSuite('d1')
describe.skipIf(!hasPostgres())('PostgreSQL (DATABASE_URL)', () => {
  claimsSuite('postgres')
})
