// The built app in workerd, through a real browser: the public site, the caches behind it (the
// page cache in front of the cached pages, the KV cache under every Payload read), and an
// editor's change reaching the admin and the public page at once.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { cacheStats, editorToken, hits, logInToAdmin, view } from './support/app.js'
import { launchChromium } from './support/browser.js'

const baseURL = inject('baseURL')
const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots')

let context: BrowserContext
let page: Page
let close: () => Promise<void>

beforeAll(async () => {
  ;({ context, close } = await launchChromium())
  page = context.pages()[0] ?? (await context.newPage())
})

afterAll(async () => {
  await close?.()
})

/** A published post with comments, from the public REST API. */
const postWithComments = async () => {
  const response = await fetch(
    `${baseURL}/api/posts?limit=50&depth=0&select[slug]=true&select[title]=true&select[comments]=true`,
  )
  const { docs } = (await response.json()) as {
    docs: { slug: string; title: string; comments?: { docs: unknown[] } }[]
  }
  const post = docs.find((doc) => (doc.comments?.docs.length ?? 0) > 0)
  if (!post) throw new Error('no published post with comments in the seed')
  return post
}

describe('the public site', () => {
  test('the home page lists published posts with their authors and categories, under the header', async () => {
    await page.goto(`${baseURL}/`)
    await expect(page.locator('h1').textContent()).resolves.toBe('Posts')
    const header = (await (await fetch(`${baseURL}/api/globals/header`)).json()) as {
      siteName: string
    }
    await expect(page.locator('.site-name').textContent()).resolves.toBe(header.siteName)
    expect(await page.locator('.posts li').count()).toBeGreaterThan(5)
    expect(await page.locator('.posts li .meta').first().textContent()).toMatch(
      /\S+ · \d{4}-\d\d-\d\d/,
    )
    expect(await page.locator('.posts .tag').count()).toBeGreaterThan(0)
    await page.screenshot({ path: path.join(screenshots, 'home.png'), fullPage: false })
    // Every link of the header global leads to a page of the site.
    const links = await page
      .locator('.site-header nav a')
      .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href') ?? ''))
    expect(links.length).toBeGreaterThan(1)
    for (const href of links.filter((link) => link !== '/admin')) await view(`${baseURL}${href}`)
  })

  test('a post page shows the post and its comments through the join field', async () => {
    const post = await postWithComments()
    await page.goto(`${baseURL}/posts/${post.slug}`)
    await expect(page.getByTestId('post-title').textContent()).resolves.toBe(post.title)
    expect(await page.locator('.comments li').count()).toBe(post.comments?.docs.length)
  })

  test('anonymous views of the live pages are served from the KV cache', async () => {
    const token = await editorToken(baseURL)
    // The live pages (`(live)/`) read Payload on every request; the cached ones (`/`, posts,
    // authors) are served from the page cache and reach Payload only when they are rendered.
    await view(`${baseURL}/authors`)
    await view(`${baseURL}/categories`)
    const before = await cacheStats(baseURL, token)
    for (let i = 0; i < 3; i++) {
      await view(`${baseURL}/authors`)
      await view(`${baseURL}/categories`)
    }
    const after = await cacheStats(baseURL, token)
    // Six page views, each reading the header, and three each reading authors and categories:
    // every one of those reads a hit.
    expect(
      hits(after.reads.authors?.find) - hits(before.reads.authors?.find),
    ).toBeGreaterThanOrEqual(3)
    expect(
      hits(after.reads.categories?.find) - hits(before.reads.categories?.find),
    ).toBeGreaterThanOrEqual(3)
    expect(
      hits(after.reads.header?.findGlobal) - hits(before.reads.header?.findGlobal),
    ).toBeGreaterThanOrEqual(6)
    expect(after.total.misses - before.total.misses).toBeLessThanOrEqual(2)
  })

  test('anonymous views of a cached page are served from the page cache, without reading Payload', async () => {
    const token = await editorToken(baseURL)
    const post = await postWithComments()
    const first = await view(`${baseURL}/posts/${post.slug}`)
    const before = await cacheStats(baseURL, token)
    for (let i = 0; i < 3; i++) expect(await view(`${baseURL}/posts/${post.slug}`)).toBe(first)
    const after = await cacheStats(baseURL, token)
    expect(after.total).toEqual(before.total)
  })
})

describe('an editor in the admin', () => {
  const stamp = Date.now().toString(36)
  const slug = `e2e-${stamp}`
  let id = ''

  test('logs in as the editor', async () => {
    await logInToAdmin(page, baseURL)
    // The dashboard's collection cards (from the import map), Posts among them.
    await page.locator('.dashboard').getByText('Posts').first().waitFor()
    await page.screenshot({ path: path.join(screenshots, 'admin-dashboard.png') })
  })

  test('creates and publishes a post', async () => {
    await page.goto(`${baseURL}/admin/collections/posts/create`)
    await page.locator('#field-title').fill(`Written in the browser ${stamp}`)
    await page.locator('#field-slug').fill(slug)
    // The author: Payload's relationship select (react-select, class prefix `rs`).
    await page.locator('#field-author .rs__control').click()
    await page.locator('.rs__option').first().click()
    await page.locator('#action-save').click()
    await page.waitForURL(/\/admin\/collections\/posts\/\d+/)
    id = new URL(page.url()).pathname.split('/').pop() ?? ''
    expect(id).toMatch(/^\d+$/)
    // The new post is on the public site at once.
    expect(await view(`${baseURL}/posts/${slug}`)).toContain(`Written in the browser ${stamp}`)
  })

  test('edits it: the edit shows at once in the list, the document and the public page', async () => {
    const edited = `Edited in the browser ${stamp}`
    await page.goto(`${baseURL}/admin/collections/posts/${id}`)
    await page.locator('#field-title').fill(edited)
    await page.locator('#action-save').click()
    await expect(
      page
        .locator('.payload-toast-container')
        .getByText(/success/i)
        .first()
        .waitFor(),
    ).resolves.toBeUndefined()

    await page.goto(`${baseURL}/admin/collections/posts`)
    await page.getByRole('link', { name: edited }).first().waitFor()
    // The author cells fill in from the browser: wait for them before the screenshot.
    await expect.poll(() => page.getByText('Loading...').count()).toBe(0)
    await page.screenshot({ path: path.join(screenshots, 'admin-posts.png') })

    await page.goto(`${baseURL}/admin/collections/posts/${id}`)
    await expect(page.locator('#field-title').inputValue()).resolves.toBe(edited)

    const html = await view(`${baseURL}/posts/${slug}`)
    expect(html).toContain(edited)
    expect(html).not.toContain(`Written in the browser ${stamp}`)
  })
})

// The cache dashboard in the admin (a later step) gets its tests in `dashboard.e2e.ts`, reusing
// `logInToAdmin` and `cacheStats` from `support/app.ts`.
