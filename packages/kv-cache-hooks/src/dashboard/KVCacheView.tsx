import { DefaultTemplate } from '@payloadcms/next/templates'
import { Banner, Gutter } from '@payloadcms/ui'
import type { AdminViewServerProps } from 'payload'
import type { ReactNode } from 'react'
import type { DashboardServerProps } from '../utilities/addDashboard.js'
import { KVCacheDashboard } from './KVCacheDashboard.js'
import { dashboardViewData } from './viewData.js'

/**
 * The admin view at `/admin/kv-cache` (a server component). It applies the endpoints' access rule
 * to the page's own request before any figure leaves the server; the browser then calls the
 * endpoints, which check again.
 */
export const KVCacheView = async (props: AdminViewServerProps & Partial<DashboardServerProps>) => {
  const { access, initPageResult, params, searchParams } = props
  const { locale, permissions, req, visibleEntities } = initPageResult
  const { payload } = req

  const data = await dashboardViewData(req, access)
  let content: ReactNode
  if (data.show === 'refused') {
    content = (
      <Banner type="error">
        You are not allowed to see the cache statistics. Ask an administrator.
      </Banner>
    )
  } else if (data.show === 'no-cache') {
    content = (
      <Banner type="warning">
        This Payload instance has no KV cache: wrap config.db with withKVCache(...).
      </Banner>
    )
  } else {
    content = <KVCacheDashboard apiRoute={data.apiRoute} initialStats={data.stats} />
  }

  return (
    <DefaultTemplate
      i18n={req.i18n}
      locale={locale}
      params={params}
      payload={payload}
      permissions={permissions}
      req={req}
      searchParams={searchParams}
      user={req.user ?? undefined}
      visibleEntities={visibleEntities}
    >
      <Gutter>
        <h1>KV cache</h1>
        {content}
      </Gutter>
    </DefaultTemplate>
  )
}
