import { spawn } from 'node:child_process'

const CHILD = 'PAYLOAD_KV_CACHE_EXAMPLE_CHILD'

/**
 * Runs this script again in a session of its own, and turns Ctrl-C and SIGTERM into a shutdown
 * request to it.
 *
 * Ctrl-C in a terminal signals the whole foreground process group: the local workerd that
 * wrangler's platform proxy starts would exit at once, and wrangler's own signal handlers call
 * `process.exit`, both before the example has awaited the cache's background KV writes
 * (`settled(payload)`). In its own session the script and its workerd receive no signal; the
 * parent asks the child to stop over IPC, and the child shuts down in order. Returns in the child;
 * in the parent it never returns and exits with the child's code.
 */
export const runInOwnSession = async (): Promise<void> => {
  if (process.env[CHILD] || process.platform === 'win32') return
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [CHILD]: '1' },
  })
  // Ctrl-C may arrive twice (from the terminal, and relayed by tsx): one request is enough.
  let requested = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!requested && child.connected) child.send({ shutdown: signal })
      requested = true
    })
  }
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))),
  )
  process.exit(code)
}

/**
 * Resolves on Ctrl-C or SIGTERM: the parent's request when running under `runInOwnSession`, the
 * signal itself otherwise.
 */
export const shutdownRequested = (): Promise<string> =>
  new Promise((resolve) => {
    if (process.send && process.env[CHILD]) {
      process.channel?.unref()
      process.on('message', (message: { shutdown?: string }) => {
        if (message?.shutdown) resolve(message.shutdown)
      })
      return
    }
    // `on`, not `once`: a second Ctrl-C during shutdown must not kill the process mid-write.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve(signal))
  })
