export default function AboutPage() {
  return (
    <>
      <h1>About</h1>
      <p>
        A Payload app on Cloudflare D1, built with Next.js and OpenNext and running in workerd. Its
        database reads are served by <code>payload-kv-cache</code> from an in-isolate memory tier
        and Workers KV; every write through Payload invalidates what it touched.
      </p>
      <p>
        Editors sign in at <a href="/admin">/admin</a>.
      </p>
    </>
  )
}
