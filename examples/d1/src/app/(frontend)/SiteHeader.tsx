import Link from 'next/link'

export type Header = {
  siteName?: string | null
  nav?: { label: string; href: string; id?: string | null }[] | null
}

/** The site name and the nav of the `header` global. */
export const SiteHeader = ({ header }: { header: Header }) => (
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
)
