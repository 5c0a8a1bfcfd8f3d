import type { Config } from 'payload'
import { Authors } from './collections/Authors.js'
import { Categories } from './collections/Categories.js'
import { Comments } from './collections/Comments.js'
import { Posts } from './collections/Posts.js'
import { Users } from './collections/Users.js'
import { Header } from './globals/Header.js'

export const locales = ['en', 'de'] as const
export type Locale = (typeof locales)[number]

/**
 * Everything of the examples' Payload config except the database: each example adds its own
 * `db` (and `secret`). A function, because Payload mutates collection configs while sanitizing and
 * refuses to sanitize the same objects twice (the demo builds two configs in one process).
 */
export const appConfig = (): Omit<Config, 'db' | 'secret'> => ({
  admin: { user: 'users' },
  collections: [Users(), Authors(), Categories(), Posts(), Comments()],
  globals: [Header()],
  localization: { locales: [...locales], defaultLocale: 'en', fallback: true },
  telemetry: false,
  // Payload would write payload-types.ts into the working directory on every start in development.
  typescript: { autoGenerate: false },
})
