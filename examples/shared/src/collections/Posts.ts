import type { CollectionConfig } from 'payload'

export const Posts = (): CollectionConfig => ({
  slug: 'posts',
  admin: { useAsTitle: 'title', defaultColumns: ['title', 'author', '_status', 'publishedAt'] },
  access: {
    // Visitors see published posts only. Payload merges this into the adapter's `where`, so the
    // cache keys anonymous and signed-in reads apart without knowing about users.
    read: ({ req }) => (req.user ? true : { _status: { equals: 'published' } }),
  },
  versions: { drafts: true, maxPerDoc: 10 },
  hooks: {
    // A comment cannot outlive its post (its `post` is required).
    beforeDelete: [
      async ({ id, req }) => {
        await req.payload.delete({ collection: 'comments', where: { post: { equals: id } }, req })
      },
    ],
  },
  fields: [
    { name: 'title', type: 'text', required: true, localized: true },
    { name: 'slug', type: 'text', required: true, unique: true, index: true },
    { name: 'excerpt', type: 'textarea', localized: true },
    { name: 'body', type: 'textarea', localized: true },
    { name: 'author', type: 'relationship', relationTo: 'authors', required: true },
    { name: 'categories', type: 'relationship', relationTo: 'categories', hasMany: true },
    { name: 'publishedAt', type: 'date', index: true },
    // A join is a subquery over `comments` inside every posts read: a new comment changes the
    // answer of a posts read with no write to `posts` at all.
    { name: 'comments', type: 'join', collection: 'comments', on: 'post', defaultLimit: 5 },
  ],
})
