// The cache dashboard of payload-kv-cache-hooks (`dashboard: true` in src/config.ts) in the
// admin of the built app, through a real browser: its figures are the isolate's, they move with
// anonymous traffic, and Flush asks first, then makes every read go to the database again.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import {
  type CacheStats,
  cacheStats,
  editorToken,
  hits,
  logInToAdmin,
  view,
} from './support/app.js'
import { launchChromium } from './support/browser.js'

const baseURL = inject('baseURL')
const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots')

let context: BrowserContext
let page: Page
let close: () => Promise<void>
let token: string

beforeAll(async () => {
  ;({ context, close } = await launchChromium())
  page = context.pages()[0] ?? (await context.newPage())
  token = await editorToken(baseURL)
  await logInToAdmin(page, baseURL)
})

afterAll(async () => {
  await close?.()
})

/** The dashboard by its address, its figures rendered (each test on its own, whatever ran before). */
const openDashboard = async () => {
  await page.goto(`${baseURL}/admin/kv-cache`)
  await page.locator('.kv-cache-figures').waitFor()
}

/** A number as the dashboard prints it (`1,234`). */
const count = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''))

/** The dashboard's first row: all collections and globals (cells: label, hit rate, memory hits, KV hits, misses, …). */
const totals = () => page.locator('.kv-cache-figures table').first().locator('tbody tr').first()

/** Memory and KV hits as the page shows them. */
const shownHits = async () => {
  const cells = totals().locator('td')
  return count(await cells.nth(2).textContent()) + count(await cells.nth(3).textContent())
}

/** Clicks Refresh and waits until the page shows what `expected` says. */
const refreshUntil = async (expected: () => Promise<boolean>) => {
  await page.getByRole('button', { name: 'Refresh', exact: true }).click()
  await expect.poll(expected, { timeout: 15_000 }).toBe(true)
}

const flushes = (stats: CacheStats & { invalidations?: Record<string, number> }) =>
  stats.invalidations?.['*'] ?? 0

describe('the cache dashboard in the admin', () => {
  test('is linked from the admin nav and says whose figures it shows', async () => {
    await page.goto(`${baseURL}/admin`)
    // Under Payload's widest breakpoint the nav is closed (inert) once it has hydrated, which can
    // be after the page loaded: wait for that, then open it as a user would.
    const nav = page.locator('aside.nav.nav--nav-hydrated')
    await nav.waitFor({ state: 'attached' })
    if ((await nav.getAttribute('inert')) !== null) {
      await page.locator('button.nav-toggler:visible').first().click()
      await expect.poll(() => nav.getAttribute('inert')).toBe(null)
    }
    await page.locator('#nav-kv-cache').click()
    await page.waitForURL((url) => url.pathname === '/admin/kv-cache')
    await expect(page.locator('h1').first().textContent()).resolves.toBe('KV cache')
    await expect(page.locator('[data-kv-cache="per-isolate"]').textContent()).resolves.toMatch(
      /this isolate/,
    )
    await expect(page.locator('[data-kv-cache="circuit"]').textContent()).resolves.toBe('closed')
    // The chart is drawn: one bar group per collection or global that was read.
    expect(await page.locator('.kv-cache-figures svg rect').count()).toBeGreaterThan(0)
  })

  test('shows the hits of GET /api/kv-cache/stats, and they move with anonymous page views', async () => {
    await openDashboard()
    const before = await shownHits()
    // A live page: the cached ones are served from the page cache without reading Payload.
    for (let i = 0; i < 3; i++) await view(`${baseURL}/authors`)
    const expected = hits((await cacheStats(baseURL, token)).total)
    expect(expected).toBeGreaterThan(before)
    // Nothing but the stats endpoint runs between the two reads: the page shows the same figure.
    await refreshUntil(async () => (await shownHits()) === expected)
  })

  test('Flush asks for confirmation, then the next page view reads the database', async () => {
    await openDashboard()
    await view(`${baseURL}/authors`)
    const before = await cacheStats(baseURL, token)
    await page.getByRole('button', { name: 'Flush', exact: true }).click()
    await page.getByText('Flush the cache?').waitFor()
    // Nothing happens until the modal's own Flush button is pressed.
    expect(flushes(await cacheStats(baseURL, token))).toBe(flushes(before))
    await page.getByRole('button', { name: 'Flush', exact: true }).last().click()
    await page.getByText('Cache flushed').waitFor()
    const flushed = await cacheStats(baseURL, token)
    expect(flushes(flushed)).toBe(flushes(before) + 1)
    // The page a visitor saw from the cache a moment ago is read from the database again.
    await view(`${baseURL}/authors`)
    const after = await cacheStats(baseURL, token)
    expect(after.total.misses).toBeGreaterThan(flushed.total.misses)
    await refreshUntil(async () =>
      ((await page.locator('.kv-cache-figures').textContent()) ?? '').includes(
        `Flushes: ${flushes(after)}`,
      ),
    )
    // The README's picture (packages/kv-cache-hooks/dashboard.png is a copy), without the toast.
    await page.getByText('Cache flushed').waitFor({ state: 'hidden', timeout: 15_000 })
    await page.screenshot({
      path: path.join(screenshots, 'kv-cache-dashboard.png'),
      fullPage: true,
    })
  })
})
