import { getPayload } from 'payload'
import { getCacheStats } from 'payload-kv-cache'
import config from './payload.config.js'

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

export default {
  async fetch(request: Request): Promise<Response> {
    const payload = await getPayload({ config })
    const url = new URL(request.url)
    const title = url.searchParams.get('title') ?? ''
    try {
      if (request.method === 'POST' && url.pathname === '/posts') {
        const post = await payload.create({ collection: 'posts', data: { title } })
        return json({ id: post.id })
      }
      const update = /^\/posts\/(\d+)$/.exec(url.pathname)
      if (request.method === 'POST' && update?.[1]) {
        await payload.update({ collection: 'posts', id: Number(update[1]), data: { title } })
        return json({ ok: true })
      }
      if (url.pathname === '/posts' || url.pathname === '/logs') {
        const collection = url.pathname === '/posts' ? 'posts' : 'logs'
        const found = await payload.find({ collection, depth: 0 })
        const stats = getCacheStats(payload)
        return json({
          docs: found.docs,
          reads: stats.reads[collection]?.find ?? null,
          kvWrites: stats.kv.operations.write,
        })
      }
      return json({ error: 'not found' }, 404)
    } catch (error) {
      return json({ error: String((error as Error)?.stack ?? error) }, 500)
    }
  },
} satisfies ExportedHandler<Env>
