import { authorName, categoryTitles, formatDate } from './payload.js'

/** A post's byline: author · publication date, then its categories as tags. */
export const PostMeta = ({ post }: { post: Record<string, unknown> }) => (
  <p className="meta">
    {authorName(post.author)} · {formatDate(post.publishedAt)}
    {categoryTitles(post.categories).map((title) => (
      <span className="tag" key={title}>
        {title}
      </span>
    ))}
  </p>
)
