import Link from 'next/link'
import type React from 'react'
import { payload, visitor } from './payload.js'
import './styles.css'

export const metadata = {
  title: 'payload-kv-cache on D1',
  description: 'A Payload app on Cloudflare D1 whose reads are cached in Workers KV.',
}

// Every view reads Payload (and so the KV cache) per request; Next.js caches nothing itself.
export const dynamic = 'force-dynamic'

type Header = { siteName?: string | null; nav?: { label: string; href: string; id?: string }[] }

export default async function FrontendLayout({ children }: { children: React.ReactNode }) {
  const header = (await (await payload()).findGlobal({ slug: 'header', ...visitor })) as Header
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link className="site-name" href="/">
            {header.siteName}
          </Link>
          <nav>
            {header.nav?.map((item) => (
              <a href={item.href} key={item.id ?? item.href}>
                {item.label}
              </a>
            ))}
            <a href="/admin">Admin</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
