import Link from 'next/link'
import { notFound } from 'next/navigation'
import { PostMeta } from '../../PostMeta.js'
import { cachedRead, visitor } from '../../payload.js'

// A cached page (ISR): rendered on its first request, then served from OpenNext's page cache
// until a write that changes what it shows revalidates it. `revalidate = false`: never on a timer.
export const revalidate = false

// An optional catch-all, so that `/` is rendered on its first request rather than by `next build`,
// which has no database (a static route would be prerendered at build).
export const generateStaticParams = async () => []

/** The home page: the newest published posts with their authors and categories. */
export default async function HomePage({ params }: { params: Promise<{ home?: string[] }> }) {
  if ((await params).home?.length) notFound()
  const posts = await cachedRead((cms) =>
    cms.find({
      collection: 'posts',
      ...visitor,
      depth: 1,
      limit: 20,
      sort: '-publishedAt',
      select: {
        title: true,
        slug: true,
        excerpt: true,
        author: true,
        categories: true,
        publishedAt: true,
      },
    }),
  )
  return (
    <>
      <h1>Posts</h1>
      <p className="muted">{posts.totalDocs} published posts</p>
      <ul className="posts">
        {posts.docs.map((post) => (
          <li key={post.id}>
            <h2>
              <Link href={`/posts/${post.slug}`}>{post.title as string}</Link>
            </h2>
            <PostMeta post={post} />
            {post.excerpt ? <p>{post.excerpt as string}</p> : null}
          </li>
        ))}
      </ul>
    </>
  )
}
