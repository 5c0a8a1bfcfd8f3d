import type { CollectionConfig } from 'payload'

export const Comments = (): CollectionConfig => ({
  slug: 'comments',
  access: { read: () => true },
  fields: [
    { name: 'post', type: 'relationship', relationTo: 'posts', required: true, index: true },
    { name: 'name', type: 'text', required: true },
    { name: 'body', type: 'textarea', required: true },
  ],
})
