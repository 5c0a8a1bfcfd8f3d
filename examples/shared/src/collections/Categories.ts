import type { CollectionConfig } from 'payload'

export const Categories = (): CollectionConfig => ({
  slug: 'categories',
  admin: { useAsTitle: 'title' },
  access: { read: () => true },
  fields: [
    { name: 'title', type: 'text', required: true, localized: true },
    { name: 'slug', type: 'text', required: true, unique: true, index: true },
  ],
})
