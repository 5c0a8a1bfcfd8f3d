// What the tests know about the app: the seeded editor, logging in, the cache's statistics.
import type { Page } from 'playwright-core'

export const editor = { email: 'editor@example.com', password: 'editor-password' } as const

/** Logs in through the admin's own form and waits for the dashboard. */
export const logInToAdmin = async (page: Page, baseURL: string) => {
  await page.goto(`${baseURL}/admin/login`)
  await page.locator('#field-email').fill(editor.email)
  await page.locator('#field-password').fill(editor.password)
  await page.locator('button[type="submit"]').click()
  await page.waitForURL((url) => url.pathname === '/admin' || url.pathname === '/admin/')
}

/** A JWT of the editor, from Payload's REST login. */
export const editorToken = async (baseURL: string): Promise<string> => {
  const response = await fetch(`${baseURL}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(editor),
  })
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { token: string }).token
}

type ReadStats = { hits: { memory: number; kv: number }; misses: number; bypasses: number }
export type CacheStats = { total: ReadStats; reads: Record<string, Record<string, ReadStats>> }

/** `GET /api/kv-cache/stats` (payload-kv-cache-hooks), as an admin user. */
export const cacheStats = async (baseURL: string, token: string): Promise<CacheStats> => {
  const response = await fetch(`${baseURL}/api/kv-cache/stats`, {
    headers: { authorization: `JWT ${token}` },
  })
  if (!response.ok) throw new Error(`stats: ${response.status} ${await response.text()}`)
  return (await response.json()) as CacheStats
}

export const hits = (stats: ReadStats | undefined) =>
  stats ? stats.hits.memory + stats.hits.kv : 0

/** An anonymous page view: no cookie, no token. */
export const view = async (url: string) => {
  const response = await fetch(url)
  const html = await response.text()
  if (!response.ok) throw new Error(`${url}: ${response.status}\n${html.slice(0, 500)}`)
  return html
}
