import type React from 'react'
import './styles.css'

export const metadata = {
  title: 'payload-kv-cache on D1',
  description: 'A Payload app on Cloudflare D1 whose reads are cached in Workers KV.',
}

/**
 * The public site's root. Its pages come in two kinds, each with the header in a layout of its
 * own: `(cached)` pages are kept in OpenNext's page cache and revalidated by tag when a write
 * changes what they show; `(live)` pages are rendered per request, their reads served by the KV
 * cache.
 */
export default function FrontendLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
