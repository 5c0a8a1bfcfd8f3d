import Link from 'next/link'
import { payload, visitor } from '../../payload.js'

export const dynamic = 'force-dynamic'

/** The authors and their bios. */
export default async function AuthorsPage() {
  const { docs } = await (await payload()).find({
    collection: 'authors',
    ...visitor,
    limit: 0,
    sort: 'name',
  })
  return (
    <>
      <h1>Authors</h1>
      <ul className="posts">
        {docs.map((author) => (
          <li key={author.id}>
            <h2>
              <Link href={`/authors/${author.slug}`}>{author.name as string}</Link>
            </h2>
            {author.bio ? <p>{author.bio as string}</p> : null}
          </li>
        ))}
      </ul>
    </>
  )
}
