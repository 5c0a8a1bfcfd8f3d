import type { CollectionConfig } from 'payload'

/** Editors who sign in to the admin. Auth collections are not cached unless configured to be. */
export const Users = (): CollectionConfig => ({
  slug: 'users',
  auth: true,
  admin: { useAsTitle: 'email' },
  fields: [{ name: 'name', type: 'text' }],
})
