'use client'
import { Banner, Button, ConfirmationModal, Pill, toast, useModal } from '@payloadcms/ui'
import { useCallback, useEffect, useState } from 'react'
import type { KVCacheStatsResponse } from '../types.js'
import { KVCacheFigures } from './KVCacheFigures.js'

export type KVCacheDashboardProps = {
  /** Payload's API route, e.g. `/api` (`config.routes.api`); the endpoints are under it. */
  apiRoute: string
  /** The figures rendered on the server, shown until the first refresh. */
  initialStats: KVCacheStatsResponse
  /** Seconds between automatic refreshes while the page is open; `0` turns them off. Default `10`. */
  refreshSeconds?: number
}

const FLUSH_MODAL = 'kv-cache-flush'
const PURGE_MODAL = 'kv-cache-purge'
/** Purge calls one click makes (each stays within 500 KV operations) before asking for another. */
const MAX_PURGE_CALLS = 40

/**
 * Same-origin calls with the admin's session cookie. Built apart from the call so that it also
 * typechecks against Workers' `RequestInit`, which has no `credentials`.
 */
const withCookies = (init: {
  method?: string
  headers?: Record<string, string>
  body?: string
}) => ({
  ...init,
  credentials: 'include' as const,
})

/** The message of a Payload error answer (`{ errors: [{ message }] }`), or the status. */
const failure = async (response: Response): Promise<string> => {
  try {
    const body = (await response.json()) as { errors?: { message?: string }[] }
    const message = body.errors?.[0]?.message
    if (message) return `${response.status}: ${message}`
  } catch {
    // not JSON: the status says enough
  }
  return `${response.status} ${response.statusText}`
}

/**
 * The cache dashboard: the figures of `GET /api/kv-cache/stats`, refreshed on a timer and on
 * demand, and Flush and Purge buttons behind confirmation modals. Calls the endpoints from the
 * browser with the admin's cookie, so the endpoints' own access rule applies to every call.
 */
export const KVCacheDashboard = ({
  apiRoute,
  initialStats,
  refreshSeconds = 10,
}: KVCacheDashboardProps) => {
  const [stats, setStats] = useState(initialStats)
  const [error, setError] = useState<string | undefined>()
  const [loading, setLoading] = useState(false)
  const { openModal } = useModal()
  const endpoint = `${apiRoute}/kv-cache`

  const refresh = useCallback(async () => {
    setLoading(true)
    try {
      const response = await fetch(`${endpoint}/stats`, withCookies({}))
      if (!response.ok) throw new Error(await failure(response))
      setStats((await response.json()) as KVCacheStatsResponse)
      setError(undefined)
    } catch (err) {
      setError(`Could not load the cache statistics: ${(err as Error).message}`)
    } finally {
      setLoading(false)
    }
  }, [endpoint])

  useEffect(() => {
    if (!refreshSeconds) return
    const timer = setInterval(() => void refresh(), refreshSeconds * 1000)
    return () => clearInterval(timer)
  }, [refresh, refreshSeconds])

  const post = async (path: string, body?: unknown): Promise<unknown> => {
    const init = withCookies({
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const response = await fetch(`${endpoint}/${path}`, init)
    if (!response.ok) throw new Error(await failure(response))
    return response.json()
  }

  const flush = async () => {
    try {
      await post('flush')
      toast.success('Cache flushed: every isolate re-reads from the database.')
    } catch (err) {
      toast.error(`Flush failed: ${(err as Error).message}`)
    }
    await refresh()
  }

  const purge = async () => {
    let deleted = 0
    let cursor: string | undefined
    let calls = 0
    try {
      do {
        const answer = (await post('purge', { all: true, ...(cursor ? { cursor } : {}) })) as {
          deleted: number
          cursor?: string
        }
        deleted += answer.deleted
        cursor = answer.cursor
        calls++
      } while (cursor && calls < MAX_PURGE_CALLS)
      if (cursor) toast.info(`Purged ${deleted} entries so far; purge again to go on.`)
      else toast.success(`Purged ${deleted} stored entries.`)
    } catch (err) {
      toast.error(`Purge failed after ${deleted} entries: ${(err as Error).message}`)
    }
    await refresh()
  }

  const { circuit } = stats.kv
  return (
    <div className="kv-cache-dashboard">
      <div
        style={{
          display: 'flex',
          flexWrap: 'wrap',
          alignItems: 'center',
          gap: 'calc(var(--base) / 2)',
          marginBottom: 'var(--base)',
        }}
      >
        <Pill pillStyle={circuit === 'open' ? 'error' : 'success'}>KV circuit {circuit}</Pill>
        <Pill pillStyle="light">
          hit rate {(stats.total.hitRate * 100).toFixed(1)}%{loading ? ' · refreshing' : ''}
        </Pill>
        <Button buttonStyle="secondary" size="small" margin={false} onClick={() => refresh()}>
          Refresh
        </Button>
        <Button
          buttonStyle="primary"
          size="small"
          margin={false}
          onClick={() => openModal(FLUSH_MODAL)}
        >
          Flush
        </Button>
        <Button
          buttonStyle="error"
          size="small"
          margin={false}
          onClick={() => openModal(PURGE_MODAL)}
        >
          Purge all
        </Button>
        {refreshSeconds ? <small>refreshes every {refreshSeconds} s</small> : null}
      </div>
      {error ? <Banner type="error">{error}</Banner> : null}
      <KVCacheFigures stats={stats} />
      <ConfirmationModal
        modalSlug={FLUSH_MODAL}
        heading="Flush the cache?"
        body="Every cached entry becomes stale in every isolate (one KV write), so the next reads go to the database and fill the cache again. Nothing is deleted."
        confirmLabel="Flush"
        confirmingLabel="Flushing…"
        onConfirm={flush}
      />
      <ConfirmationModal
        modalSlug={PURGE_MODAL}
        heading="Purge every stored entry?"
        body="Flushes, then deletes the stored entries from KV to reclaim storage: one KV delete per entry (billed as a write), up to 500 operations a call. Correctness never depends on it."
        confirmLabel="Purge"
        confirmingLabel="Purging…"
        onConfirm={purge}
      />
    </div>
  )
}
