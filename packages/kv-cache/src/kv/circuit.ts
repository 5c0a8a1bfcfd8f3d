/**
 * When to stop calling KV, and how to come back honestly.
 *
 * - `closed`: every call goes through. `threshold` consecutive failures (timeouts and errors such
 *   as a 5xx; never a 429, which is contention on one key, nor an exhausted daily quota) open it.
 * - `open`: no call goes through until the cooldown has passed; then the next call is the probe.
 * - `half-open`: the probe is the only call let through. KV answering it (a success, or a 429 or a
 *   quota error, which KV also answers) closes the circuit; its failure opens it again with the
 *   cooldown doubled, from 1 s up to `maxCooldownMs`, so that an isolate uses KV again within
 *   `maxCooldownMs` of its recovery.
 *
 * Every call holds a ticket of the state it started in: its outcome counts only while that state
 * lasts. A success of a call that started before the circuit opened never closes it (busy
 * isolates would flap open and closed within milliseconds), and failures of calls that started
 * before it opened do not count twice.
 */
export type CircuitState = 'closed' | 'half-open' | 'open'

export type Ticket = { readonly epoch: number; readonly probe: boolean }

export type CircuitChange = { state: CircuitState; reason?: string; failures?: number }

const FIRST_COOLDOWN_MS = 1_000

export class Circuit {
  readonly #threshold: number
  readonly #maxCooldownMs: number
  readonly #changed: (change: CircuitChange) => void
  #state: CircuitState = 'closed'
  #failures = 0
  #openUntil = 0
  #cooldownMs: number
  /** Moves on at every change of state: tickets of an earlier epoch count for nothing. */
  #epoch = 0

  constructor(
    threshold: number,
    maxCooldownMs: number,
    changed: (change: CircuitChange) => void = () => {},
  ) {
    this.#threshold = threshold
    this.#maxCooldownMs = maxCooldownMs
    this.#cooldownMs = Math.min(FIRST_COOLDOWN_MS, maxCooldownMs)
    this.#changed = changed
  }

  get state(): CircuitState {
    return this.#state
  }

  /** Whether a call now would be let through (without taking the probe). */
  available(now: number): boolean {
    return this.#state === 'closed' || (this.#state === 'open' && now >= this.#openUntil)
  }

  /** A ticket for a call about to start, or `undefined` when the call must not reach KV. */
  admit(now: number): Ticket | undefined {
    if (this.#state === 'closed') return { epoch: this.#epoch, probe: false }
    if (this.#state === 'half-open' || now < this.#openUntil) return undefined
    this.#move('half-open')
    return { epoch: this.#epoch, probe: true }
  }

  /** KV answered the call (a success, or a refusal KV itself made: 429, quota). */
  answered(ticket: Ticket): void {
    if (ticket.epoch !== this.#epoch) return
    if (this.#state === 'closed') this.#failures = 0
    else if (ticket.probe) {
      this.#failures = 0
      this.#cooldownMs = Math.min(FIRST_COOLDOWN_MS, this.#maxCooldownMs)
      this.#move('closed')
    }
  }

  /** A refusal that says nothing about KV's health (429): neither a failure nor a recovery. */
  neutral(ticket: Ticket): void {
    if (ticket.probe && ticket.epoch === this.#epoch) this.answered(ticket)
  }

  /** The call failed or timed out. */
  failed(ticket: Ticket, now: number, reason: string): void {
    if (ticket.epoch !== this.#epoch) return
    if (this.#state === 'closed') {
      this.#failures++
      if (this.#failures < this.#threshold) return
    } else if (ticket.probe) {
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#maxCooldownMs)
    } else return
    this.#openUntil = now + this.#cooldownMs
    this.#move('open', reason)
  }

  #move(state: CircuitState, reason?: string): void {
    const from = this.#state
    this.#state = state
    this.#epoch++
    this.#changed({
      state,
      ...(reason === undefined ? {} : { reason }),
      ...(from === 'closed' ? { failures: this.#failures } : {}),
    })
  }
}
