/**
 * A one-line progress bar on a terminal; a line every 10% elsewhere (CI logs, pipes).
 * Written to stderr so that stdout holds only the report.
 */
export const progressBar = (label: string, total: number) => {
  const tty = process.stderr.isTTY
  let lastTenth = -1
  const started = performance.now()
  return {
    update(done: number, note = '') {
      const fraction = total ? done / total : 1
      if (tty) {
        const width = 30
        const filled = Math.round(fraction * width)
        const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
        process.stderr.write(
          `\r${label} ${bar} ${String(done).padStart(String(total).length)}/${total} ${note}\x1b[K`,
        )
      } else {
        const tenth = Math.floor(fraction * 10)
        if (tenth !== lastTenth) {
          lastTenth = tenth
          process.stderr.write(
            `${label} ${Math.round(fraction * 100)}% (${done}/${total}) ${note}\n`,
          )
        }
      }
    },
    done(note = '') {
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      if (tty) process.stderr.write(`\r${label} done in ${seconds} s ${note}\x1b[K\n`)
      else process.stderr.write(`${label} done in ${seconds} s ${note}\n`)
    },
  }
}
