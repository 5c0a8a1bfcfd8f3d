'use client'
export { projectMonthlyUSD, type SlugRow, slugRows } from '../dashboard/figures.js'
// Client components of the dashboard. KVCacheFigures and HitsChart need no admin providers.
export { HitsChart } from '../dashboard/HitsChart.js'
export { KVCacheDashboard, type KVCacheDashboardProps } from '../dashboard/KVCacheDashboard.js'
export { KVCacheFigures, type KVCacheFiguresProps } from '../dashboard/KVCacheFigures.js'
