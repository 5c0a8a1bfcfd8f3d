// Server components of the dashboard, referenced from the config by import path
// (`payload-kv-cache-hooks/rsc#KVCacheView`) and resolved through the app's import map.
export { KVCacheNavLink } from '../dashboard/KVCacheNavLink.js'
export { KVCacheView } from '../dashboard/KVCacheView.js'
