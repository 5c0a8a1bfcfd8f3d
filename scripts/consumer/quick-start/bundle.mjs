import * as esbuild from 'esbuild'

await esbuild.build({
  entryPoints: ['src/worker.ts'],
  outfile: 'dist/worker.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  conditions: ['workerd', 'worker'],
  external: ['cloudflare:*', 'node:*'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire('file:///worker.js');",
  },
  define: { 'import.meta.url': '"file:///worker.js"', 'process.env.NODE_ENV': '"production"' },
  logLevel: 'error',
})
await esbuild.build({
  entryPoints: ['src/payload.config.ts'],
  outfile: 'dist/config.node.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  alias: { 'cloudflare:workers': './cloudflare-workers-on-node.mjs' },
  logLevel: 'error',
})
