import type { GlobalConfig } from 'payload'

export const Header = (): GlobalConfig => ({
  slug: 'header',
  access: { read: () => true },
  fields: [
    { name: 'siteName', type: 'text', required: true, localized: true },
    {
      name: 'nav',
      type: 'array',
      fields: [
        { name: 'label', type: 'text', required: true, localized: true },
        { name: 'href', type: 'text', required: true },
      ],
    },
  ],
})
