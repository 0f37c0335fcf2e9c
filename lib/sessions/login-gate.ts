/**
 * At most `size` WhatsApp logins in flight across all accounts, first come first served.
 *
 * A Baileys login costs ~50–70 ms of CPU here (pure-JS curve25519: the Noise handshake and the
 * server's certificate chain) and a first login ~200 ms more (812 pre-keys generated and stored).
 * Started all at once — a restart with many accounts, or many sessions whose backoff timers fire
 * together after an outage — they starve each other past Baileys' timeouts, fail, and retry into the
 * same crowd: a reconnect storm that never converges (seen at 1,000 accounts: 96 ended `failed`).
 * Automatic logins (restore, backoff retries) therefore take a slot and hold it until the login
 * settles; operator-initiated connects skip the queue (one click, and a person is waiting for a QR).
 */
export class LoginGate {
  private active = 0
  private readonly queue: (() => void)[] = []

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('login gate size must be a positive integer')
  }

  /** Logins holding a slot / waiting for one. */
  get inFlight(): number {
    return this.active
  }
  get waiting(): number {
    return this.queue.length
  }

  /** Resolves with a release function once a slot is free; calling release more than once is harmless. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active++
        let released = false
        resolve(() => {
          if (released) return
          released = true
          this.active--
          this.queue.shift()?.()
        })
      }
      if (this.active < this.size) grant()
      else this.queue.push(grant)
    })
  }
}
