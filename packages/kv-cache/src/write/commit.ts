import type { CacheContext } from '../context.js'
import { bump } from './invalidate.js'
import { transactionOf } from './transactions.js'

type Call = () => Promise<unknown>

/**
 * Payload's `commitTransaction`: pass it through, then apply what the transaction's writes
 * invalidated (Payload's hooks run before commit, so this is the first moment it is true).
 */
export const commit = async (ctx: CacheContext, id: unknown, call: Call): Promise<unknown> => {
  const transaction = await transactionOf({ transactionID: id })
  try {
    return await call()
  } finally {
    const names = ctx.pending.take(transaction)
    if (names.length) await bump(ctx, names)
  }
}

/** Payload's `rollbackTransaction`: nothing was committed, and reads inside it stored nothing. */
export const rollback = async (ctx: CacheContext, id: unknown, call: Call): Promise<unknown> => {
  const transaction = await transactionOf({ transactionID: id })
  try {
    return await call()
  } finally {
    ctx.pending.take(transaction)
  }
}
