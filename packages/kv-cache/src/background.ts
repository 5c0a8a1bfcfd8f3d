/**
 * Work that outlives the call that started it: cache fills, invalidation retries, stale-while-
 * revalidate reads. Each is handed to `waitUntil` when there is one (Workers end an invocation's
 * work with its response otherwise) and tracked, so that `settled()` and `destroy` can wait for it.
 * Background work never throws to anyone.
 */
export type Background = {
  /** Runs `promise` in the background; `false` when no `waitUntil` keeps it alive. */
  run(promise: Promise<unknown>): boolean
  /** Resolves when every background promise started so far (and those they start) has ended. */
  idle(): Promise<void>
}

export const createBackground = (
  waitUntil: ((promise: Promise<unknown>) => void) | undefined,
): Background => {
  const running = new Set<Promise<unknown>>()
  return {
    run(promise) {
      const quiet = promise.catch(() => undefined)
      running.add(quiet)
      void quiet.finally(() => running.delete(quiet))
      if (!waitUntil) return false
      try {
        waitUntil(quiet)
        return true
      } catch {
        return false
      }
    },
    async idle() {
      while (running.size) await Promise.all(running)
    },
  }
}
