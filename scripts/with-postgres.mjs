// Usage: node scripts/with-postgres.mjs <command...>
//
// Runs <command> with DATABASE_URL pointing at a private, throwaway PostgreSQL server:
// installed from Debian's packages when missing, run as the `postgres` user on 127.0.0.1 with its
// data in a temp folder, and always stopped and deleted afterwards (also on failure and signals).
// Beside it runs a streaming replica of it (`pg_basebackup -R`) that applies each commit
// PG_REPLICA_DELAY_MS late (`recovery_min_apply_delay`, default 1500): DATABASE_REPLICA_URL names
// the same database on it, DATABASE_REPLICA_DELAY_MS the delay. WITH_POSTGRES_REPLICA=off skips it.
// When DATABASE_URL is already set, the command just runs against that database (and
// DATABASE_REPLICA_URL, if set).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const TEMP_PREFIX = 'payload-kv-cache-pg-'
const DATABASE = 'payload_kv_cache'
const REPLICA_DELAY_MS = Number(process.env.PG_REPLICA_DELAY_MS ?? 1500)
const log = (message) => console.error(`with-postgres: ${message}`)

const command = process.argv.slice(2)
if (command.length === 0) {
  log('usage: node scripts/with-postgres.mjs <command...>')
  process.exit(2)
}

/** The running server, once there is one; `cleanup` stops it and deletes its folder. */
let server
/** Its delayed streaming replica, once there is one (in a folder inside the server's). */
let replica
/** The command's process while it runs; signals are forwarded to it. */
let child

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child) {
      // Let the command shut down on its own; cleanup runs when it exits.
      child.kill(signal)
      return
    }
    cleanup()
    process.exit(128 + os.constants.signals[signal])
  })
}
// Last resort for unexpected exceptions: never leave a server behind.
process.on('exit', () => cleanup())

if (process.env.DATABASE_URL) {
  process.exit(await run(command, process.env))
}

removeAbandonedServers()
const bin = findBinaries() ?? installPostgres()
server = await startServer(bin)
const url = `postgres://postgres@127.0.0.1:${server.port}/${DATABASE}`
console.log(
  `with-postgres: PostgreSQL ${server.version} on 127.0.0.1:${server.port}, DATABASE_URL=${url} (data in ${server.dir}, removed on exit)`,
)
const env = { ...process.env, DATABASE_URL: url }
if (process.env.WITH_POSTGRES_REPLICA !== 'off') {
  replica = await startReplica(bin, server)
  env.DATABASE_REPLICA_URL = `postgres://postgres@127.0.0.1:${replica.port}/${DATABASE}`
  env.DATABASE_REPLICA_DELAY_MS = String(REPLICA_DELAY_MS)
  console.log(
    `with-postgres: its streaming replica on 127.0.0.1:${replica.port}, ${REPLICA_DELAY_MS} ms behind (recovery_min_apply_delay), DATABASE_REPLICA_URL=${env.DATABASE_REPLICA_URL}`,
  )
}
const code = await run(command, env)
cleanup()
process.exit(code)

function run(argv, env) {
  return new Promise((resolve) => {
    child = spawn(argv[0], argv.slice(1), { env, stdio: 'inherit' })
    child.on('error', (error) => {
      log(`could not run ${argv[0]}: ${error.message}`)
      child = undefined
      resolve(127)
    })
    child.on('exit', (exitCode, signal) => {
      child = undefined
      resolve(exitCode ?? 128 + (os.constants.signals[signal] ?? 0))
    })
  })
}

/** The newest Debian PostgreSQL (`/usr/lib/postgresql/<version>/bin`), else `initdb` on PATH. */
function findBinaries() {
  const root = '/usr/lib/postgresql'
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0]) return path.join(root, versions[0], 'bin')
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'initdb'))) return dir
  }
  return undefined
}

function installPostgres() {
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) {
    log(
      'PostgreSQL is not installed. Install it (e.g. `apt-get install postgresql`) or set DATABASE_URL.',
    )
    process.exit(1)
  }
  log("PostgreSQL not found; installing Debian's `postgresql` package")
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const apt = (args) => {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'] })
    if (result.status !== 0) {
      log(`apt-get ${args.join(' ')} failed`)
      process.exit(1)
    }
  }
  apt(['update'])
  apt(['install', '-y', '--no-install-recommends', 'postgresql'])
  // The package creates and may start a default cluster on port 5432; we never use it.
  const clusters = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).stdout ?? ''
  for (const line of clusters.split('\n')) {
    const [version, name, , status] = line.trim().split(/\s+/)
    if (status === 'online')
      spawnSync('pg_ctlcluster', [version, name, 'stop'], { stdio: 'ignore' })
  }
  const bin = findBinaries()
  if (!bin) {
    log('installed `postgresql` but found no initdb under /usr/lib/postgresql/*/bin')
    process.exit(1)
  }
  return bin
}

async function startServer(bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX))
  // Registered before anything can fail, so the folder is removed whatever happens next.
  const started = { bin, dir, port: 0, version: '' }
  server = started
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid))
  const user = serverUser()
  if (user) fs.chownSync(dir, user.uid, user.gid)

  const data = path.join(dir, 'data')
  const settings = ['--username=postgres', '--auth=trust', '--encoding=UTF8', '--locale=C']
  asServerUser(bin, 'initdb', [`--pgdata=${data}`, ...settings, '--no-sync'])
  started.version = asServerUser(bin, 'postgres', ['--version']).trim().split(' ')[2] ?? ''

  // A free port can be taken between probing and binding, so try a few.
  for (let attempt = 1; ; attempt++) {
    started.port = await freePort()
    fs.appendFileSync(
      path.join(data, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${started.port}`,
        `unix_socket_directories = '${dir}'`,
        // Throwaway data: durability only costs time.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        '',
      ].join('\n'),
    )
    const logFile = path.join(dir, 'postgres.log')
    const args = [`--pgdata=${data}`, `--log=${logFile}`, '--wait', '--timeout=60', 'start']
    if (asServerUser(bin, 'pg_ctl', args, { allowFailure: true }) !== undefined) break
    if (attempt === 3) {
      log(`PostgreSQL did not start; its log:\n${readIfExists(logFile)}`)
      process.exit(1)
    }
  }

  execFileSync(
    path.join(bin, 'createdb'),
    ['--host', '127.0.0.1', '--port', String(started.port), '--username', 'postgres', DATABASE],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  return started
}

/**
 * A streaming replica of `primary` (`pg_basebackup -R`: a base backup that starts as a standby
 * following the primary), on its own port, applying every commit `REPLICA_DELAY_MS` late.
 */
async function startReplica(bin, primary) {
  const data = path.join(primary.dir, 'replica')
  replica = { data, port: 0 }
  asServerUser(bin, 'pg_basebackup', [
    '--host=127.0.0.1',
    `--port=${primary.port}`,
    '--username=postgres',
    `--pgdata=${data}`,
    '--write-recovery-conf',
    '--wal-method=stream',
    '--checkpoint=fast',
    '--no-sync',
  ])
  for (let attempt = 1; ; attempt++) {
    replica.port = await freePort()
    fs.appendFileSync(
      path.join(data, 'postgresql.conf'),
      [
        `port = ${replica.port}`,
        'hot_standby = on',
        `recovery_min_apply_delay = '${REPLICA_DELAY_MS}ms'`,
        // Tests read the standby while it replays: never cancel their queries for it.
        'max_standby_streaming_delay = -1',
        '',
      ].join('\n'),
    )
    const logFile = path.join(primary.dir, 'replica.log')
    const args = [`--pgdata=${data}`, `--log=${logFile}`, '--wait', '--timeout=60', 'start']
    if (asServerUser(bin, 'pg_ctl', args, { allowFailure: true }) !== undefined) break
    if (attempt === 3) {
      log(`the PostgreSQL replica did not start; its log:\n${readIfExists(logFile)}`)
      process.exit(1)
    }
  }
  return replica
}

/** Stops the servers (fast shutdown) and deletes their folder. Synchronous, and safe to call twice. */
function cleanup() {
  const current = server
  if (!current) return
  server = undefined
  const standby = replica
  replica = undefined
  if (standby && fs.existsSync(path.join(standby.data, 'postmaster.pid'))) {
    stopServer(current.bin, standby.data)
  }
  // Checked on disk rather than remembered: a signal can arrive while pg_ctl is still starting it.
  const data = path.join(current.dir, 'data')
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) stopServer(current.bin, data)
  fs.rmSync(current.dir, { force: true, recursive: true })
}

function stopServer(bin, data) {
  const stop = (mode) => {
    const args = [`--pgdata=${data}`, `--mode=${mode}`, '--wait', '--timeout=30', 'stop']
    return asServerUser(bin, 'pg_ctl', args, { allowFailure: true })
  }
  if (stop('fast') === undefined) stop('immediate')
}

/** Stops servers and deletes folders left by runs that were killed outright (SIGKILL). */
function removeAbandonedServers() {
  const bin = findBinaries()
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue
    const dir = path.join(os.tmpdir(), name)
    const owner = Number(readIfExists(path.join(dir, 'owner.pid')))
    if (owner ? isAlive(owner) : Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue
    for (const data of [path.join(dir, 'replica'), path.join(dir, 'data')]) {
      if (bin && fs.existsSync(path.join(data, 'postmaster.pid'))) stopServer(bin, data)
    }
    fs.rmSync(dir, { force: true, recursive: true })
    log(`removed a server folder left by an earlier run: ${dir}`)
  }
}

/** initdb refuses to run as root, so when we are root the server runs as `postgres`. */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { gid: id('-g'), uid: id('-u') }
}

/** Runs a PostgreSQL binary as the server user; returns its stdout, or undefined if it failed. */
function asServerUser(bin, program, args, { allowFailure = false } = {}) {
  const executable = path.join(bin, program)
  const [file, argv] = serverUser()
    ? ['runuser', ['-u', 'postgres', '--', executable, ...args]]
    : [executable, args]
  // cwd: the server user may not be allowed into ours (e.g. /root).
  const result = spawnSync(file, argv, { cwd: os.tmpdir(), encoding: 'utf8' })
  if (result.status === 0) return result.stdout
  if (allowFailure) return undefined
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`
  log(`${program} failed:\n${output}`)
  process.exit(1)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

function readIfExists(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
