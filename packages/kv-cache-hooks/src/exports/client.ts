'use client'
export type { SlugRow } from '../dashboard/figures.js'
// Client components of the dashboard (components only: a function exported from a 'use client'
// module cannot be called on the server). KVCacheFigures and HitsChart need no admin providers.
export { HitsChart } from '../dashboard/HitsChart.js'
export { KVCacheDashboard, type KVCacheDashboardProps } from '../dashboard/KVCacheDashboard.js'
export { KVCacheFigures, type KVCacheFiguresProps } from '../dashboard/KVCacheFigures.js'
