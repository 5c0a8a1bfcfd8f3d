import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium: the tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium'

/** Installs Debian's `chromium` package when it is missing (as root, or through sudo). */
export const ensureChromium = () => {
  if (existsSync(chromiumPath)) return
  const root = process.getuid?.() === 0
  const run = (args: string[]) => {
    const [command, ...rest] = root ? args : ['sudo', '-n', ...args]
    console.log(`e2e: ${[command, ...rest].join(' ')}`)
    return spawnSync(command as string, rest, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status
  }
  // A fresh machine may have no package lists yet.
  if (run(['apt-get', 'install', '-y', 'chromium']) !== 0) {
    if (run(['apt-get', 'update']) !== 0 || run(['apt-get', 'install', '-y', 'chromium']) !== 0) {
      throw new Error(`e2e: could not install Debian's chromium (${chromiumPath})`)
    }
  }
  if (!existsSync(chromiumPath)) throw new Error(`e2e: ${chromiumPath} missing after apt-get`)
}

/**
 * Headless Chromium on a new empty profile (`--user-data-dir`, which Playwright takes as the
 * persistent context's folder), quiet on the network; `close` removes the profile.
 */
export const launchChromium = async (): Promise<{
  context: BrowserContext
  close: () => Promise<void>
}> => {
  const profile = mkdtempSync(path.join(tmpdir(), 'kv-cache-e2e-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      // Root has no user namespace sandbox here.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
