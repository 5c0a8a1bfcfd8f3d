import { getPayload, handleEndpoints } from 'payload'
import { getCacheStats, settled } from 'payload-kv-cache'
import config from './payload.config.js'

const fail = (message: string): never => {
  throw new Error(message)
}

// The default instance key: older Payloads' handleEndpoints take no key and look that one up.
const payload = await getPayload({ config })
try {
  const post = await payload.create({ collection: 'posts', data: { title: 'first' } })
  await payload.find({ collection: 'posts' })
  await settled(payload)
  const again = await payload.find({ collection: 'posts' })
  const afterRead = getCacheStats(payload)
  const hits = afterRead.reads.posts?.find?.hits
  if (!hits || hits.memory + hits.kv < 1)
    fail(`a repeated find should hit the cache, stats: ${JSON.stringify(afterRead.reads)}`)
  if (again.docs[0]?.title !== 'first') fail('the cached find answered the wrong document')
  console.log(`  ok  a repeated find is a hit (${JSON.stringify(hits)})`)

  await payload.update({ collection: 'posts', id: post.id, data: { title: 'second' } })
  const fresh = await payload.find({ collection: 'posts' })
  if (fresh.docs[0]?.title !== 'second')
    fail(`after an update the find answered ${fresh.docs[0]?.title}`)
  const bypassed = await payload.find({
    collection: 'posts',
    context: { kvCache: { bypass: true } },
  })
  if (bypassed.docs[0]?.title !== 'second') fail('a bypassed find answered old data')
  const afterWrite = getCacheStats(payload)
  const invalidations = (stats: typeof afterRead) => stats.invalidations.posts ?? 0
  if (invalidations(afterWrite) <= invalidations(afterRead))
    fail('the update was not counted as an invalidation')
  console.log('  ok  an update invalidates: the next find reads the new title')

  const user = await payload.create({
    collection: 'users',
    data: { email: 'admin@example.com', password: 'consumer-password' },
  })
  const { token } = await payload.login({
    collection: 'users',
    data: { email: user.email, password: 'consumer-password' },
  })
  const stats = (headers: Record<string, string>) =>
    handleEndpoints({
      config,
      request: new Request('http://localhost:3000/api/kv-cache/stats', { headers }),
    })
  const anonymous = await stats({})
  if (anonymous.status !== 403)
    fail(`anonymous GET /api/kv-cache/stats answered ${anonymous.status}`)
  const answered = await stats({ Authorization: `JWT ${token}` })
  if (answered.status !== 200)
    fail(`GET /api/kv-cache/stats answered ${answered.status}: ${await answered.text()}`)
  const body = (await answered.json()) as ReturnType<typeof getCacheStats>
  const served = body.reads?.posts?.find?.hits
  if (!served || served.memory + served.kv < 1 || !body.invalidations?.posts) {
    fail(`stats endpoint answered ${JSON.stringify(body)}`)
  }
  console.log(
    '  ok  GET /api/kv-cache/stats: 403 anonymous, 200 with the hits and invalidations for an admin',
  )

  const flushed = await handleEndpoints({
    config,
    request: new Request('http://localhost:3000/api/kv-cache/flush', {
      method: 'POST',
      headers: { Authorization: `JWT ${token}` },
    }),
  })
  if (flushed.status !== 200) fail(`POST /api/kv-cache/flush answered ${flushed.status}`)
  const view = (await config).admin.components.views?.kvCache
  const component = view?.Component as { path?: string } | undefined
  if (view?.path !== '/kv-cache' || component?.path !== 'payload-kv-cache-hooks/rsc#KVCacheView') {
    fail(`the dashboard view is not in the config: ${JSON.stringify(view)}`)
  }
  console.log(
    '  ok  dashboard: the view is in the config, POST /api/kv-cache/flush answers an admin',
  )
  await settled(payload)
} finally {
  await payload.destroy()
}
