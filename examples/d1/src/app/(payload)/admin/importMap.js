import { KVCacheNavLink as KVCacheNavLink_86e8be9e395165fdb8755c193063e817 } from 'payload-kv-cache-hooks/rsc'
import { KVCacheView as KVCacheView_86e8be9e395165fdb8755c193063e817 } from 'payload-kv-cache-hooks/rsc'
import { CollectionCards as CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1 } from '@payloadcms/next/rsc'

/** @type import('payload').ImportMap */
export const importMap = {
  "payload-kv-cache-hooks/rsc#KVCacheNavLink": KVCacheNavLink_86e8be9e395165fdb8755c193063e817,
  "payload-kv-cache-hooks/rsc#KVCacheView": KVCacheView_86e8be9e395165fdb8755c193063e817,
  "@payloadcms/next/rsc#CollectionCards": CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1
}
