import type { Config } from 'payload'
import type { KVCacheDashboardOptions, KVCacheEndpointsOptions } from '../types.js'

/** The dashboard's components, by the import paths `payload generate:importmap` resolves. */
export const DASHBOARD_COMPONENTS = {
  view: 'payload-kv-cache-hooks/rsc#KVCacheView',
  navLink: 'payload-kv-cache-hooks/rsc#KVCacheNavLink',
} as const

/** The admin view key under `admin.components.views`. */
export const DASHBOARD_VIEW_KEY = 'kvCache'

/** What the dashboard's server components receive as `serverProps` from the config. */
export type DashboardServerProps = {
  /** The view's path under the admin route. */
  dashboardPath: `/${string}`
  /** `endpoints.access`, when given: the view applies the same rule as the endpoints. */
  access?: KVCacheEndpointsOptions['access']
}

/**
 * Adds the dashboard view and its nav link to `config.admin.components`, after what is there.
 * Server props stay on the server: Payload never copies `admin.components` into the client config.
 */
export const addDashboard = (
  config: Config,
  dashboard: true | KVCacheDashboardOptions,
  access: KVCacheEndpointsOptions['access'],
): Config['admin'] => {
  const admin = config.admin ?? {}
  const components = admin.components ?? {}
  // Validated: starts with '/'.
  const path = ((dashboard === true ? undefined : dashboard.path) ?? '/kv-cache') as `/${string}`
  const serverProps: DashboardServerProps = { dashboardPath: path, ...(access ? { access } : {}) }
  return {
    ...admin,
    components: {
      ...components,
      afterNavLinks: [
        ...(components.afterNavLinks ?? []),
        { path: DASHBOARD_COMPONENTS.navLink, serverProps },
      ],
      views: {
        ...components.views,
        [DASHBOARD_VIEW_KEY]: {
          Component: { path: DASHBOARD_COMPONENTS.view, serverProps },
          path,
          exact: true,
        },
      },
    },
  }
}
