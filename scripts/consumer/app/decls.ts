export type * from 'payload-kv-cache'
export type * from 'payload-kv-cache-hooks'
