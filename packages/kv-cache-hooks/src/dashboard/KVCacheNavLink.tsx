import { Link, NavGroup } from '@payloadcms/ui'
import type { ServerProps } from 'payload'
import { formatAdminURL } from 'payload/shared'
import type { DashboardServerProps } from '../utilities/addDashboard.js'

/**
 * The nav link to the dashboard (a server component in `admin.components.afterNavLinks`), in
 * Payload's own nav markup. Shown to logged-in users of the admin user collection; Payload hands
 * nav components no request, so a custom `access` is applied by the view, not here.
 */
export const KVCacheNavLink = ({
  dashboardPath = '/kv-cache',
  payload,
  user,
}: ServerProps & Partial<DashboardServerProps>) => {
  if (!user || user.collection !== payload.config.admin.user) return null
  const href = formatAdminURL({ adminRoute: payload.config.routes.admin, path: dashboardPath })
  return (
    <NavGroup label="Cache">
      <Link className="nav__link" href={href} id="nav-kv-cache" prefetch={false}>
        <span className="nav__link-label">KV cache</span>
      </Link>
    </NavGroup>
  )
}
