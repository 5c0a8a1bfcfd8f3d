import type React from 'react'
import { cachedRead, visitor } from '../payload.js'
import { type Header, SiteHeader } from '../SiteHeader.js'

/**
 * The layout of the cached pages. Its read of the header is one of the page's reads: it goes to
 * the database and tags the page, so an edit of the header revalidates every cached page.
 */
export default async function CachedLayout({ children }: { children: React.ReactNode }) {
  const header = (await cachedRead((cms) =>
    cms.findGlobal({ slug: 'header', ...visitor }),
  )) as Header
  return (
    <>
      <SiteHeader header={header} />
      <main>{children}</main>
      <footer className="muted rendered">
        Cached page, rendered at <time data-testid="rendered">{new Date().toISOString()}</time>
      </footer>
    </>
  )
}
