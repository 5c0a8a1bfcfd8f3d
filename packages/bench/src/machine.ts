import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

/** The installed version of `name` (as resolved from here, or from package `from`). */
const versionOf = (name: string, from?: string): string => {
  try {
    const resolver = from ? createRequire(require.resolve(`${from}/package.json`)) : require
    // Some packages (payload) export no ./package.json: walk up from their entry point instead.
    let dir = dirname(from ? resolver.resolve(name) : fileURLToPath(import.meta.resolve(name)))
    for (;;) {
      const file = join(dir, 'package.json')
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string }
        if (pkg.name === name) return pkg.version
      }
      if (dirname(dir) === dir) return 'unknown'
      dir = dirname(dir)
    }
  } catch {
    return 'unknown'
  }
}

const cpuModel = (): string => {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const field = (name: string) =>
      info.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm'))?.[1]?.trim()
    const parts = [
      field('model name'),
      field('cpu family') && `family ${field('cpu family')}`,
      field('model') && `model ${field('model')}`,
    ]
    const mhz = field('cpu MHz')
    return `${parts.filter(Boolean).join(', ')}${mhz ? ` @ ${Number(mhz).toFixed(0)} MHz` : ''}`
  } catch {
    return os.cpus()[0]?.model ?? 'unknown'
  }
}

const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

/** What the numbers were measured on. */
export function describeMachine() {
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpu: cpuModel(),
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    versions: {
      payload: versionOf('payload'),
      '@payloadcms/db-sqlite': versionOf('@payloadcms/db-sqlite'),
      '@payloadcms/db-postgres': versionOf('@payloadcms/db-postgres'),
      '@payloadcms/db-d1-sqlite': versionOf('@payloadcms/db-d1-sqlite'),
      miniflare: versionOf('miniflare'),
      workerd: versionOf('workerd', 'miniflare'),
      esbuild: versionOf('esbuild'),
    },
    commit: git('rev-parse', '--short', 'HEAD'),
    workTreeClean: git('status', '--porcelain', '--', '../kv-cache/src') === '',
  }
}
