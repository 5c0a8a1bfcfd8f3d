import Link from 'next/link'
import { PostMeta } from './PostMeta.js'
import { payload, visitor } from './payload.js'

export const dynamic = 'force-dynamic'

/** The home page: the newest published posts with their authors and categories. */
export default async function HomePage() {
  const posts = await (await payload()).find({
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
  })
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
