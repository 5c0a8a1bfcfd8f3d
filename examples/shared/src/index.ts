export { appConfig, type Locale, locales } from './appConfig.js'
export {
  type CloudflareContext,
  type CloudflareContextOptions,
  getCloudflareContext,
} from './cloudflare.js'
export { type Content, type ContentOptions, generateContent } from './content.js'
export { runInOwnSession } from './ownSession.js'
export { createRandom, type Random } from './random.js'
export { demoUser, isSeeded, type SeedSummary, seed } from './seed.js'
export { serve } from './serve.js'
export { showAndServe } from './showAndServe.js'
