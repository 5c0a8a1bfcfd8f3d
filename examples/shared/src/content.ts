import type { Locale } from './appConfig.js'
import { createRandom, type Random } from './random.js'

type Localized<T> = Record<Locale, T>

export type AuthorContent = { name: string; slug: string; bio: Localized<string> }
export type CategoryContent = { slug: string; title: Localized<string> }
export type PostContent = {
  slug: string
  title: Localized<string>
  excerpt: Localized<string>
  body: Localized<string>
  /** Index into `authors`. */
  author: number
  /** Indexes into `categories`. */
  categories: number[]
  publishedAt: string
  /**
   * `published`; `draft` (never published); or `published-with-draft`: published, with a newer
   * unpublished edit that only draft reads see.
   */
  status: 'draft' | 'published' | 'published-with-draft'
}
export type CommentContent = { post: number; name: string; body: string }
export type HeaderContent = {
  siteName: Localized<string>
  nav: { label: Localized<string>; href: string }[]
}

export type Content = {
  authors: AuthorContent[]
  categories: CategoryContent[]
  posts: PostContent[]
  comments: CommentContent[]
  header: HeaderContent
}

export type ContentOptions = {
  /** Default `1`. */
  seed?: number
  /** Default `240`. */
  posts?: number
}

const firstNames = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Alan',
  'Hedy',
  'Niklaus',
  'Sophie',
  'Tim',
  'Karen',
]
const lastNames = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Kay',
  'Lamarr',
  'Wirth',
  'Wilson',
  'Berners-Lee',
  'Spärck Jones',
]
const categoryNames: [string, string, string][] = [
  ['engineering', 'Engineering', 'Technik'],
  ['design', 'Design', 'Gestaltung'],
  ['product', 'Product', 'Produkt'],
  ['performance', 'Performance', 'Leistung'],
  ['security', 'Security', 'Sicherheit'],
  ['databases', 'Databases', 'Datenbanken'],
  ['edge', 'Edge computing', 'Edge-Computing'],
  ['culture', 'Culture', 'Kultur'],
]
const subjects: [string, string][] = [
  ['caching', 'Caching'],
  ['cold starts', 'Kaltstarts'],
  ['read replicas', 'Lesereplikate'],
  ['migrations', 'Migrationen'],
  ['draft previews', 'Entwurfsvorschauen'],
  ['localization', 'Lokalisierung'],
  ['access control', 'Zugriffskontrolle'],
  ['relationships', 'Beziehungen'],
  ['search', 'Suche'],
  ['image pipelines', 'Bildverarbeitung'],
  ['rate limits', 'Ratenbegrenzungen'],
  ['observability', 'Beobachtbarkeit'],
]
const angles: [string, string][] = [
  ['A field guide to', 'Ein Leitfaden zu'],
  ['What we learned about', 'Was wir gelernt haben über'],
  ['Rethinking', 'Neu gedacht:'],
  ['The hidden cost of', 'Die versteckten Kosten von'],
  ['Ten questions about', 'Zehn Fragen zu'],
  ['Shipping', 'Ausliefern von'],
  ['Debugging', 'Fehlersuche bei'],
]
const sentences: [string, string][] = [
  [
    'Most pages are read thousands of times for every edit.',
    'Die meisten Seiten werden tausendfach gelesen, bevor sie einmal geändert werden.',
  ],
  [
    'A database round trip from the edge can cost more than rendering the page.',
    'Eine Datenbankabfrage vom Edge kann mehr kosten als das Rendern der Seite.',
  ],
  [
    'Correctness after a write matters more than a few milliseconds.',
    'Korrektheit nach einem Schreibvorgang zählt mehr als ein paar Millisekunden.',
  ],
  [
    'We measured before and after, on the same data.',
    'Wir haben vorher und nachher gemessen, mit denselben Daten.',
  ],
  [
    'Editors expect to see their change on the next reload.',
    'Redakteure erwarten ihre Änderung beim nächsten Neuladen.',
  ],
  [
    'The slowest request decides how the site feels.',
    'Die langsamste Anfrage entscheidet, wie sich die Seite anfühlt.',
  ],
  [
    'Invalidation has to be cheap, or nobody does it.',
    'Invalidierung muss billig sein, sonst macht sie niemand.',
  ],
  [
    'Every isolate starts cold, and most requests land on a warm one.',
    'Jedes Isolat startet kalt, und die meisten Anfragen treffen ein warmes.',
  ],
]
const commenters = ['sam', 'alex', 'kim', 'jo', 'robin', 'chris', 'noa', 'lee', 'mika', 'pat']
const remarks = [
  'Great write-up, thanks!',
  'We hit the same issue last month.',
  'How does this behave under load?',
  'Could you share the numbers?',
  'This saved me an afternoon.',
  'Is there a follow-up planned?',
  'Nice, but what about writes?',
  'Bookmarked.',
]

const paragraph = (random: Random, count: number): Localized<string> => {
  const picked = Array.from({ length: count }, () => random.pick(sentences))
  return { en: picked.map(([en]) => en).join(' '), de: picked.map(([, de]) => de).join(' ') }
}

/**
 * The examples' content, as plain data, from a seeded PRNG: authors, categories, posts in two
 * locales (some drafts, some published with a newer draft), comments for the posts' join field,
 * and the header global. Written by `seed`.
 */
export const generateContent = ({ seed = 1, posts = 240 }: ContentOptions = {}): Content => {
  const random = createRandom(seed)
  const authors = firstNames.map((first, i) => {
    const name = `${first} ${lastNames[i]}`
    return {
      name,
      slug: name.toLowerCase().replace(/[^a-z]+/g, '-'),
      bio: paragraph(random, 2),
    }
  })
  const categories = categoryNames.map(([slug, en, de]) => ({ slug, title: { en, de } }))
  const start = Date.UTC(2024, 0, 1)
  const span = Date.UTC(2026, 0, 1) - start
  const postList: PostContent[] = Array.from({ length: posts }, (_, i) => {
    const [angleEn, angleDe] = random.pick(angles)
    const [subjectEn, subjectDe] = random.pick(subjects)
    const roll = random.next()
    return {
      slug: `${subjectEn.replace(/ /g, '-')}-${i + 1}`,
      title: {
        en: `${angleEn} ${subjectEn} (#${i + 1})`,
        de: `${angleDe} ${subjectDe} (#${i + 1})`,
      },
      excerpt: paragraph(random, 1),
      body: paragraph(random, random.int(4, 10)),
      author: random.int(0, authors.length - 1),
      categories: random
        .sample(
          categories.map((_, index) => index),
          random.int(1, 3),
        )
        .sort((a, b) => a - b),
      publishedAt: new Date(start + Math.floor(random.next() * span)).toISOString(),
      status: roll < 0.12 ? 'draft' : roll < 0.2 ? 'published-with-draft' : 'published',
    }
  })
  const comments: CommentContent[] = []
  postList.forEach((post, index) => {
    if (post.status === 'draft') return
    // A few posts draw most of the discussion, as on a real site.
    const count = random.chance(0.1) ? random.int(6, 12) : random.int(0, 3)
    for (let i = 0; i < count; i++) {
      comments.push({ post: index, name: random.pick(commenters), body: random.pick(remarks) })
    }
  })
  const header: HeaderContent = {
    siteName: { en: 'The Edge Journal', de: 'Das Edge-Journal' },
    nav: [
      { label: { en: 'Home', de: 'Start' }, href: '/' },
      { label: { en: 'Categories', de: 'Kategorien' }, href: '/categories' },
      { label: { en: 'Authors', de: 'Autoren' }, href: '/authors' },
      { label: { en: 'About', de: 'Über uns' }, href: '/about' },
    ],
  }
  return { authors, categories, posts: postList, comments, header }
}
