import Link from 'next/link'
import { notFound } from 'next/navigation'
import { cachedRead, formatDate, visitor } from '../../../payload.js'

// A cached page (ISR), rendered on the first request for each slug (see the home page).
export const revalidate = false
export const generateStaticParams = async () => []

/** One author, their bio and their published posts. */
export default async function AuthorPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params
  const page = await cachedRead(async (cms) => {
    const { docs } = await cms.find({
      collection: 'authors',
      ...visitor,
      limit: 1,
      where: { slug: { equals: slug } },
    })
    const author = docs[0]
    if (!author) return undefined
    const posts = await cms.find({
      collection: 'posts',
      ...visitor,
      depth: 0,
      limit: 0,
      sort: '-publishedAt',
      where: { author: { equals: author.id } },
      select: { title: true, slug: true, publishedAt: true },
    })
    return { author, posts: posts.docs }
  })
  if (!page) notFound()
  const { author, posts } = page
  return (
    <>
      <h1 data-testid="author-name">{author.name as string}</h1>
      {author.bio ? <p className="lead">{author.bio as string}</p> : null}
      <h2>Posts</h2>
      <ul className="posts">
        {posts.map((post) => (
          <li key={post.id}>
            <h2>
              <Link href={`/posts/${post.slug}`}>{post.title as string}</Link>
            </h2>
            <p className="meta">{formatDate(post.publishedAt)}</p>
          </li>
        ))}
      </ul>
    </>
  )
}
