import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Config, generateImportMap, type PayloadComponent } from 'payload'
import { KVCacheConfigError } from 'payload-kv-cache'
import { buildTestConfig } from 'payload-kv-cache-test-fixtures/schema'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { afterAll, describe, expect, it } from 'vitest'
// From its own module: the client entry also loads @payloadcms/ui, which imports CSS and needs the
// admin's providers, so only Next.js can load it. The figures are plain React and SVG.
import { KVCacheFigures } from '../src/dashboard/KVCacheFigures.js'
import {
  type KVCachePluginOptions,
  type KVCacheStatsResponse,
  kvCachePlugin,
} from '../src/index.js'

const existingNavLink = '/components/Existing#Existing'

/** A small unsanitised config, as plugins receive it, with admin components of its own. */
const config = (): Config =>
  ({
    collections: [
      { slug: 'posts', fields: [] },
      { slug: 'users', auth: true, fields: [] },
    ],
    globals: [{ slug: 'header', fields: [] }],
    admin: {
      user: 'users',
      components: {
        afterNavLinks: [existingNavLink],
        views: { other: { Component: '/components/Other#Other', path: '/other' } },
      },
    },
  }) as unknown as Config

const apply = (options: KVCachePluginOptions, incoming = config()): Config =>
  kvCachePlugin(options)(incoming)

// Deliberately wrong options, as a JavaScript user could write them.
const unchecked = (options: unknown) => options as KVCachePluginOptions

/** The path and server props of a component given in the object form. */
const component = (given: PayloadComponent | undefined) =>
  given as { path: string; serverProps: Record<string, unknown> }

describe('the dashboard option', () => {
  it('is off by default: no view, no nav link, no endpoints', () => {
    for (const options of [{}, { dashboard: false }, { collections: { posts: 'item' as const } }]) {
      const result = apply(options)
      expect(result.admin?.components?.views).toEqual({
        other: { Component: '/components/Other#Other', path: '/other' },
      })
      expect(result.admin?.components?.afterNavLinks).toEqual([existingNavLink])
      expect(result.endpoints ?? []).toHaveLength(0)
    }
  })

  it('adds the view at /kv-cache and a nav link after the existing ones, and the endpoints', () => {
    const result = apply({ dashboard: true })
    const views = result.admin?.components?.views ?? {}
    expect(Object.keys(views)).toEqual(['other', 'kvCache'])
    expect(views.kvCache).toMatchObject({ path: '/kv-cache', exact: true })
    expect(component(views.kvCache?.Component)).toEqual({
      path: 'payload-kv-cache-hooks/rsc#KVCacheView',
      serverProps: { dashboardPath: '/kv-cache' },
    })
    const [existing, navLink] = result.admin?.components?.afterNavLinks ?? []
    expect(existing).toBe(existingNavLink)
    expect(component(navLink).path).toBe('payload-kv-cache-hooks/rsc#KVCacheNavLink')
    expect(result.admin?.user).toBe('users')
    expect((result.endpoints ?? []).map(({ method, path }) => `${method} ${path}`)).toEqual([
      'get /kv-cache/stats',
      'post /kv-cache/flush',
      'post /kv-cache/purge',
    ])
  })

  it('takes a path, and hands a custom access rule to the view', () => {
    const access = () => true
    const result = apply({ dashboard: { path: '/ops/cache' }, endpoints: { access } })
    const view = result.admin?.components?.views?.kvCache
    expect(view?.path).toBe('/ops/cache')
    expect(component(view?.Component).serverProps).toEqual({ dashboardPath: '/ops/cache', access })
    const navLink = result.admin?.components?.afterNavLinks?.[1]
    expect(component(navLink).serverProps.dashboardPath).toBe('/ops/cache')
  })

  it('does not change the config it was given', () => {
    const incoming = config()
    apply({ dashboard: true }, incoming)
    expect(incoming.admin?.components?.afterNavLinks).toEqual([existingNavLink])
    expect(Object.keys(incoming.admin?.components?.views ?? {})).toEqual(['other'])
  })

  it('rejects bad values when the config is built', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['yes', /dashboard must be true, false or \{ path \}/],
      [{ pth: '/x' }, /dashboard: unknown option\(s\) pth; valid: path/],
      [{ path: 'kv-cache' }, /dashboard\.path must be a path .* got "kv-cache"/],
      [{ path: '/' }, /dashboard\.path must be a path/],
      [{ path: '/kv cache' }, /dashboard\.path must be a path/],
      [{ path: 42 }, /dashboard\.path must be a path .* got 42/],
    ]
    for (const [dashboard, message] of cases) {
      expect(() => apply(unchecked({ dashboard })), JSON.stringify(dashboard)).toThrow(
        KVCacheConfigError,
      )
      expect(() => apply(unchecked({ dashboard }))).toThrow(message)
    }
    expect(() => apply({ dashboard: true, endpoints: false })).toThrow(
      /dashboard needs the endpoints/,
    )
  })

  describe('in a built config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-cache-importmap-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('survives sanitisation, and payload generate:importmap imports both components', async () => {
      const access = () => true
      const built = await buildTestConfig({
        db: { name: 'none', defaultIDType: 'number', init: () => ({}) } as never,
        plugins: [
          (incoming) => ({
            ...incoming,
            admin: { ...incoming.admin, importMap: { importMapFile: join(dir, 'importMap.js') } },
          }),
          kvCachePlugin({ dashboard: true, endpoints: { access } }),
        ],
      })
      const view = built.admin.components.views?.kvCache
      expect(view?.path).toBe('/kv-cache')
      expect(component(view?.Component).serverProps.access).toBe(access)

      await generateImportMap(built, { log: false, force: true })
      const importMap = readFileSync(join(dir, 'importMap.js'), 'utf8')
      expect(importMap).toMatch(
        /import \{ KVCacheView as \w+ \} from 'payload-kv-cache-hooks\/rsc'/,
      )
      expect(importMap).toContain('"payload-kv-cache-hooks/rsc#KVCacheView"')
      expect(importMap).toContain('"payload-kv-cache-hooks/rsc#KVCacheNavLink"')
    })
  })
})

/** Statistics as an isolate reports them after ten minutes of traffic. */
const stats = (): KVCacheStatsResponse => {
  const read = (memory: number, kv: number, misses: number, stores: number) => ({
    hits: { memory, kv },
    misses,
    bypasses: 0,
    stores,
    skippedForSize: 0,
    skippedRoundTrip: 0,
    hedged: 0,
    hitRate: (memory + kv) / (memory + kv + misses),
  })
  return {
    reads: {
      posts: { find: read(700, 120, 60, 60), findOne: read(300, 20, 40, 40) },
      header: { findGlobal: read(95, 4, 1, 1) },
    },
    total: { ...read(1095, 144, 101, 101), bypasses: 7 },
    invalidations: { posts: 12, pages: 3, '*': 2 },
    kv: {
      operations: { read: 250, write: 130, delete: 4, list: 1 },
      errors: 1,
      timeouts: 0,
      rateLimited: 0,
      quotaExceeded: 0,
      unwrittenTokens: 0,
      bytesRead: 3_500_000,
      bytesWritten: 420_000,
      circuit: 'closed',
    },
    memory: {
      entries: 42,
      bytes: 180_000,
      tokens: { entries: 0, bytes: 0 },
      plans: { entries: 0, bytes: 0 },
    },
    cost: { reads: 262, writes: 130, deletes: 4, lists: 1, usd: 0.000806 },
    staleWhileRevalidate: { served: 0, refreshed: 0, failed: 0 },
    staleIfError: { served: 0, refused: 0 },
    kvWrites: { skipped: { admission: 0, budget: 0, contention: 0 } },
    since: '2026-12-01T12:00:00.000Z',
    globals: ['header'],
  }
}

const render = (given: KVCacheStatsResponse, now = Date.parse('2026-12-01T12:10:00.000Z')) =>
  renderToString(createElement(KVCacheFigures, { stats: given, now }))

/** The text of the HTML: React's text separators dropped, tags as spaces, entities decoded. */
const text = (html: string) =>
  html
    .replace(/<!-- -->/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')

describe('the dashboard figures, rendered to HTML', () => {
  it('says plainly that the figures are one isolate’s, and since when', () => {
    const shown = text(render(stats()))
    expect(shown).toContain("These figures are this isolate's")
    expect(shown).toMatch(/nothing here is added up across isolates/)
    expect(shown).toContain('since it started, 10 min ago (2026-12-01T12:00:00.000Z).')
  })

  it('shows hits by tier, misses, hit rate, stores and invalidations per collection and global', () => {
    const html = render(stats())
    const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((match) => text(match[1] ?? '').trim())
    // Totals, then one row per slug, most looked-up first; pages only invalidated.
    expect(rows).toContain('all collections and globals 92.5% 1,095 144 101 7 101')
    expect(rows).toContain('posts collection 91.9% 1,000 140 100 0 100 12')
    expect(rows).toContain('header global 99.0% 95 4 1 0 1 0')
    expect(rows).toContain('pages collection 0.0% 0 0 0 0 0 3')
    expect(text(html)).toMatch(/Flushes: 2\. Memory tier: 42 entries, 175\.8 KiB/)
  })

  it('shows KV operations, what they cost, the projection to 30 days, and the circuit', () => {
    const html = render(stats())
    const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((match) => text(match[1] ?? '').trim())
    expect(rows).toContain('operations 250 130 4 1')
    expect(rows).toContain('billed (reads per key) 262 130 4 1 $0.00081')
    // $0.000806 in 10 minutes is $3.48 in 30 days.
    expect(rows).toContain('projected for 30 days $3.48')
    expect(html).toMatch(/data-kv-cache="circuit">closed</)
    const open = stats()
    open.kv.circuit = 'open'
    expect(text(render(open))).toMatch(/KV circuit: open \(KV kept failing/)
  })

  it('projects nothing from less than a minute of counting', () => {
    const rows = text(render(stats(), Date.parse('2026-12-01T12:00:30.000Z')))
    expect(rows).toContain('projected for 30 days after a minute')
  })

  it('draws lookups per slug as stacked SVG bars scaled to the busiest, with the hit rate', () => {
    const html = render(stats())
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? ''
    expect(svg).toMatch(/role="img"/)
    // posts (1,240 lookups) fills the 480 px bar: 1,000 memory hits are 387.1 px of it.
    const widths = [...svg.matchAll(/<rect x="(\d+(?:\.\d+)?)" y="3" width="([\d.]+)"/g)].map(
      (match) => Number(Number(match[2]).toFixed(1)),
    )
    expect(widths.slice(0, 4)).toEqual([480, 387.1, 54.2, 38.7])
    // Slugs without lookups get no bar.
    expect(svg).toContain('posts')
    expect(svg).toContain('header')
    expect(svg).not.toContain('pages')
    expect(svg).toContain('91.9%')
    expect(svg).toMatch(/var\(--theme-success-600\)/)
  })

  it('renders no chart when nothing was looked up', () => {
    const empty = stats()
    empty.reads = {}
    expect(render(empty)).not.toContain('<svg')
  })
})
