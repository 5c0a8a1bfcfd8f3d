/**
 * `req.transactionID` is a string, a number, a promise of either, a promise of `null`, `null`, or
 * `{}` after the dataloader copied it through JSON. Only a string or a number is a transaction.
 */
export type TransactionID = number | string

const asTransaction = (id: unknown): TransactionID | undefined =>
  typeof id === 'string' || typeof id === 'number' ? id : undefined

/**
 * The transaction `req` is in, if any; a promise only when `req.transactionID` is one (so that a
 * read outside any transaction, the hot path, awaits nothing).
 */
export const transactionOf = (
  req: unknown,
): TransactionID | undefined | Promise<TransactionID | undefined> => {
  if (!req || typeof req !== 'object') return undefined
  const raw = (req as { transactionID?: unknown }).transactionID
  if (raw instanceof Promise) return raw.then(asTransaction, () => undefined)
  return asTransaction(raw)
}

/** Invalidations collected by writes inside a transaction, applied once it commits. */
export class PendingInvalidations {
  readonly #byTransaction = new Map<TransactionID, Set<string>>()

  add(id: TransactionID, tokens: Iterable<string>): void {
    let pending = this.#byTransaction.get(id)
    if (!pending) {
      pending = new Set()
      this.#byTransaction.set(id, pending)
    }
    for (const token of tokens) pending.add(token)
  }

  /** Removes and returns what the transaction collected. */
  take(id: TransactionID | undefined): string[] {
    if (id === undefined) return []
    const pending = this.#byTransaction.get(id)
    this.#byTransaction.delete(id)
    return pending ? [...pending] : []
  }
}
