import { notFound } from 'next/navigation'
import { PostMeta } from '../../../PostMeta.js'
import { cachedRead, visitor } from '../../../payload.js'

// A cached page (ISR), rendered on the first request for each slug (see the home page).
export const revalidate = false
export const generateStaticParams = async () => []

type Comment = { id: number; name: string; body: string }

/** One post by slug, with its comments through the `comments` join field. */
export default async function PostPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params
  const { docs } = await cachedRead((cms) =>
    cms.find({
      collection: 'posts',
      ...visitor,
      depth: 1,
      limit: 1,
      where: { slug: { equals: slug } },
      joins: { comments: { limit: 20, sort: 'createdAt' } },
    }),
  )
  const post = docs[0]
  if (!post) notFound()
  const comments = ((post.comments as { docs?: unknown[] } | undefined)?.docs ?? []).filter(
    (comment): comment is Comment => typeof comment === 'object' && comment !== null,
  )
  return (
    <article>
      <h1 data-testid="post-title">{post.title as string}</h1>
      <PostMeta post={post} />
      {post.excerpt ? <p className="lead">{post.excerpt as string}</p> : null}
      {String(post.body ?? '')
        .split(/\n+/)
        .filter(Boolean)
        .map((paragraph, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: paragraphs have no identity of their own
          <p key={index}>{paragraph}</p>
        ))}
      <section className="comments">
        <h2>Comments ({comments.length})</h2>
        {comments.length === 0 ? <p className="muted">No comments yet.</p> : null}
        <ul>
          {comments.map((comment) => (
            <li key={comment.id}>
              <strong>{comment.name}</strong>
              <p>{comment.body}</p>
            </li>
          ))}
        </ul>
      </section>
    </article>
  )
}
