import type { PayloadRequest } from 'payload'
import { isAdminUser } from '../endpoints/guard.js'
import type { KVCacheEndpointsOptions, KVCacheStatsResponse } from '../types.js'
import { hasKVCache } from '../utilities/hasKVCache.js'
import { statsResponse } from '../utilities/statsResponse.js'

/** What the dashboard view may show to the request that opens it. */
export type DashboardViewData =
  | { show: 'refused' }
  | { show: 'no-cache' }
  | { show: 'stats'; apiRoute: string; stats: KVCacheStatsResponse }

/**
 * Decides what the view shows, with the endpoints' own access rule applied to the page's
 * request: a request the stats endpoint would refuse gets no figure.
 */
export const dashboardViewData = async (
  req: PayloadRequest,
  access: KVCacheEndpointsOptions['access'] = isAdminUser,
): Promise<DashboardViewData> => {
  if (!(await access(req))) return { show: 'refused' }
  if (!hasKVCache(req.payload)) return { show: 'no-cache' }
  return {
    show: 'stats',
    apiRoute: req.payload.config.routes.api,
    stats: statsResponse(req.payload),
  }
}
