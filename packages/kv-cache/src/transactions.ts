/**
 * `req.transactionID` is a string, a number, a promise of either, a promise of `null`, `null`, or
 * `{}` after the dataloader copied it through JSON. Only a string or a number is a transaction.
 */
export type TransactionID = number | string

export const transactionOf = async (req: unknown): Promise<TransactionID | undefined> => {
  if (!req || typeof req !== 'object') return undefined
  const raw = (req as { transactionID?: unknown }).transactionID
  const id = raw instanceof Promise ? await raw.catch(() => undefined) : raw
  return typeof id === 'string' || typeof id === 'number' ? id : undefined
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
