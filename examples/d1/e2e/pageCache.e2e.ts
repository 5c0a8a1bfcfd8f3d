// The cached pages of the built app (OpenNext's page cache: R2 and a D1 tag cache) after an editor
// changes a post and renames its author in the admin, through a real browser, with the pages
// re-rendered by a second workerd process whose view of the cache's invalidations is old.
//
// What makes them right (payload-kv-cache-hooks' `pageCache`): each cached page is tagged with
// what its reads depended on, a committed write revalidates the tags it made stale, and the render
// that fills the page cache reads D1, never through its isolate's possibly-stale view.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { editorToken, logInToAdmin, view } from './support/app.js'
import { launchChromium } from './support/browser.js'

/** The process the editor uses. */
const editing = inject('baseURL')
/** The other process: same D1, KV, R2 and tag cache; asks KV about invalidations once an hour. */
const lagging = inject('laggingURL')
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

const stamp = Date.now().toString(36)
const newTitle = `Fresh title ${stamp}`
const newName = `Renamed author ${stamp}`

type Post = { id: number; slug: string; title: string; author: Author }
type Author = { id: number; slug: string; name: string }

/** The newest published post (so it is on the home page) and its author, from the public REST API. */
const newestPost = async (): Promise<Post> => {
  const response = await fetch(
    `${editing}/api/posts?limit=1&depth=1&sort=-publishedAt&select[title]=true&select[slug]=true&select[author]=true`,
  )
  const { docs } = (await response.json()) as { docs: Post[] }
  const post = docs[0]
  if (!post?.author?.slug) throw new Error('no published post with an author in the seed')
  return post
}

/** The text of the first element matching `pattern`'s one group, as the page shows it. */
const text = (html: string, pattern: RegExp) =>
  (pattern.exec(html)?.[1] ?? '')
    .replaceAll('&amp;', '&')
    .replaceAll('&#x27;', "'")
    .replaceAll('&quot;', '"')

/** What a visitor sees of the post and its author on one of the three cached pages. */
type Shown = { title: string; author: string; rendered: string }

let post: Post

const pages = () => ({
  home: '/',
  post: `/posts/${post.slug}`,
  author: `/authors/${post.author.slug}`,
})

const seen = async (base: string, which: keyof ReturnType<typeof pages>): Promise<Shown> => {
  const html = await view(`${base}${pages()[which]}`)
  const rendered = text(html, /data-testid="rendered"[^>]*>([^<]*)</)
  const postLink = new RegExp(`href="/posts/${post.slug}"[^>]*>([^<]*)<`)
  const authorLink = new RegExp(`href="/authors/${post.author.slug}"[^>]*>([^<]*)<`)
  if (which === 'post') {
    return {
      title: text(html, /data-testid="post-title"[^>]*>([^<]*)</),
      author: text(html, authorLink),
      rendered,
    }
  }
  if (which === 'author') {
    return {
      title: text(html, postLink),
      author: text(html, /data-testid="author-name"[^>]*>([^<]*)</),
      rendered,
    }
  }
  return { title: text(html, postLink), author: text(html, authorLink), rendered }
}

const names = ['home', 'post', 'author'] as const

/** Waits for the admin's toast after a save. */
const saved = () =>
  page
    .locator('.payload-toast-container')
    .getByText(/success/i)
    .first()
    .waitFor()

describe('cached pages after an editor edits a post and renames its author', () => {
  const before: Record<string, Shown> = {}

  test('are rendered on their first request, then served from the page cache by either process', async () => {
    post = await newestPost()
    // The lagging process reads through its cache before the edit: its memory tier and its view
    // of the invalidations now hold the author as they are.
    expect(await view(`${lagging}/authors`)).toContain(`>${post.author.name}<`)
    for (const name of names) {
      before[name] = await seen(lagging, name)
      expect(before[name], name).toMatchObject({ title: post.title, author: post.author.name })
      expect(before[name]?.rendered).toMatch(/^\d{4}-/)
    }
    // The same render, from the page cache, whichever process answers.
    for (const base of [editing, lagging, editing]) {
      for (const name of names) expect(await seen(base, name), name).toEqual(before[name])
    }
  })

  test('the editor changes the post title and the author name in the admin', async () => {
    await logInToAdmin(page, editing)
    await page.goto(`${editing}/admin/collections/posts/${post.id}`)
    await page.locator('#field-title').fill(newTitle)
    await page.locator('#action-save').click()
    await saved()
    await page.goto(`${editing}/admin/collections/authors/${post.author.id}`)
    await page.locator('#field-name').fill(newName)
    await page.locator('#action-save').click()
    await saved()
    await expect(page.locator('#field-name').inputValue()).resolves.toBe(newName)
  })

  test('the lagging process still answers reads through its cache from before the edit', async () => {
    // Within the cross-isolate bound, as designed: this is the isolate a re-render may land on.
    const live = await view(`${lagging}/authors`)
    expect(live).toContain(`>${post.author.name}<`)
    expect(live).not.toContain(newName)
  })

  test('every cached page is fresh on its next request, re-rendered by the lagging process', async () => {
    for (const name of names) {
      const shown = await seen(lagging, name)
      expect(shown, name).toMatchObject({ title: newTitle, author: newName })
      expect(shown.rendered, `${name} rendered again`).not.toBe(before[name]?.rendered)
    }
  })

  test('and never stale again, from either process, also when the lagging process renders it again', async () => {
    const fresh = { title: newTitle, author: newName }
    for (const base of [editing, lagging, editing, lagging]) {
      for (const name of names)
        expect(await seen(base, name), `${name} on ${base}`).toMatchObject(fresh)
    }
    // A comment revalidates the post page (it shows the comments) without changing the title or
    // the name: the lagging process renders it again, and its view of the author is still old.
    const rendered = (await seen(editing, 'post')).rendered
    const token = await editorToken(editing)
    const response = await fetch(`${editing}/api/comments`, {
      method: 'POST',
      headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ post: post.id, name: 'A visitor', body: `Comment ${stamp}` }),
    })
    expect(response.status).toBe(201)
    const html = await view(`${lagging}${pages().post}`)
    expect(html).toContain(`Comment ${stamp}`)
    const again = await seen(lagging, 'post')
    expect(again).toMatchObject(fresh)
    expect(again.rendered).not.toBe(rendered)
    for (const base of [editing, lagging]) {
      for (const name of names)
        expect(await seen(base, name), `${name} on ${base}`).toMatchObject(fresh)
    }
    await page.goto(`${lagging}${pages().post}`)
    await expect(page.getByTestId('post-title').textContent()).resolves.toBe(newTitle)
    await expect(page.locator('.meta .author').first().textContent()).resolves.toBe(newName)
    await page.screenshot({ path: path.join(screenshots, 'cached-post.png') })
  })
})
