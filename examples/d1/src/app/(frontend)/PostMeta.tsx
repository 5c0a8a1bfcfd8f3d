import Link from 'next/link'
import { authorName, authorSlug, categoryTitles, formatDate } from './payload.js'

/** A post's byline: author (linking to their page) · publication date, then its categories as tags. */
export const PostMeta = ({ post }: { post: Record<string, unknown> }) => {
  const slug = authorSlug(post.author)
  const name = authorName(post.author)
  return (
    <p className="meta">
      {slug ? (
        <Link className="author" href={`/authors/${slug}`}>
          {name}
        </Link>
      ) : (
        <span className="author">{name}</span>
      )}{' '}
      · {formatDate(post.publishedAt)}
      {categoryTitles(post.categories).map((title) => (
        <span className="tag" key={title}>
          {title}
        </span>
      ))}
    </p>
  )
}
