import type React from 'react'
import { payload, visitor } from '../payload.js'
import { type Header, SiteHeader } from '../SiteHeader.js'

// Rendered per request: every read goes through payload-kv-cache (memory tier, KV, D1).
export const dynamic = 'force-dynamic'

export default async function LiveLayout({ children }: { children: React.ReactNode }) {
  const header = (await (await payload()).findGlobal({ slug: 'header', ...visitor })) as Header
  return (
    <>
      <SiteHeader header={header} />
      <main>{children}</main>
    </>
  )
}
