import { payload, visitor } from '../../payload.js'

export const dynamic = 'force-dynamic'

/** The categories, each with its number of published posts. */
export default async function CategoriesPage() {
  const cms = await payload()
  const { docs } = await cms.find({ collection: 'categories', ...visitor, limit: 0, sort: 'slug' })
  const counts = await Promise.all(
    docs.map((category) =>
      cms.count({
        collection: 'posts',
        ...visitor,
        where: { categories: { contains: category.id } },
      }),
    ),
  )
  return (
    <>
      <h1>Categories</h1>
      <ul className="posts">
        {docs.map((category, index) => (
          <li key={category.id}>
            <h2>{category.title as string}</h2>
            <p className="meta">{counts[index]?.totalDocs ?? 0} published posts</p>
          </li>
        ))}
      </ul>
    </>
  )
}
