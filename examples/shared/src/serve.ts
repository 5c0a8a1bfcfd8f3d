import { createServer, type Server } from 'node:http'
import { handleEndpoints, type SanitizedConfig } from 'payload'

/**
 * Serves Payload's REST API (`/api/...`) on Node with `handleEndpoints`, the same handler that
 * Payload's Next.js routes call. Enough to try the examples with curl, no Next.js needed.
 */
export const serve = (
  config: Promise<SanitizedConfig> | SanitizedConfig,
  port: number,
): Promise<Server> => {
  const server = createServer(async (incoming, outgoing) => {
    try {
      const chunks: Buffer[] = []
      for await (const chunk of incoming) chunks.push(chunk as Buffer)
      const body = chunks.length ? Buffer.concat(chunks) : undefined
      const headers = new Headers()
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers.set(name, value)
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
      }
      const request = new Request(
        new URL(incoming.url ?? '/', `http://${incoming.headers.host ?? 'localhost'}`),
        {
          method: incoming.method,
          headers,
          body: body && incoming.method !== 'GET' && incoming.method !== 'HEAD' ? body : undefined,
        },
      )
      const response = await handleEndpoints({ config, request })
      outgoing.writeHead(response.status, Object.fromEntries(response.headers))
      outgoing.end(Buffer.from(await response.arrayBuffer()))
    } catch (error) {
      outgoing.writeHead(500, { 'content-type': 'text/plain' })
      outgoing.end(String(error))
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
