import { withPayload } from '@payloadcms/next/withPayload'
import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // The shared schema is TypeScript source in the workspace.
  transpilePackages: ['payload-kv-cache-example-shared'],
  // Packages with code for workerd (https://opennext.js.org/cloudflare/howtos/workerd).
  serverExternalPackages: ['jose', 'pg-cloudflare'],
  // `pnpm check` typechecks the example; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  webpack: (webpackConfig) => {
    // Sources import `./x.js` for `./x.ts`, as Node's ESM resolution wants.
    webpackConfig.resolve.extensionAlias = {
      '.cjs': ['.cts', '.cjs'],
      '.js': ['.ts', '.tsx', '.js', '.jsx'],
      '.mjs': ['.mts', '.mjs'],
    }
    return webpackConfig
  },
}

export default withPayload(nextConfig, { devBundleServerPackages: false })
