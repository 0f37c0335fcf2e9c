import crypto from 'node:crypto'
import { hashPassword, verifyPassword } from './password'

export const MAX_PASSWORD_CHECKS_IN_FLIGHT = 4
export const MAX_PASSWORD_CHECKS_WAITING = 16

/**
 * Every sign-in's argon2id verification goes through here. argon2id is memory-hard on purpose
 * (19 MiB and ~50 ms of a libuv thread each), so unauthenticated requests must not be able to queue
 * an unlimited number of them: at most `maxInFlight` run and `maxWaiting` wait; beyond that the
 * attempt is refused at once ('busy') without hashing anything. An unknown email is checked against
 * a dummy hash made with the same parameters, so it costs exactly what a known one does.
 * Per-process state, like the login limiter.
 */
export type PasswordChecks = {
  check(passwordHash: string | null, password: string): Promise<boolean | 'busy'>
}

export class PasswordCheckQueue implements PasswordChecks {
  private active = 0
  private readonly waiting: (() => void)[] = []

  private constructor(
    private readonly dummyHash: string,
    private readonly verify: (hash: string, password: string) => Promise<boolean>,
    private readonly maxInFlight: number,
    private readonly maxWaiting: number,
  ) {}

  static async create(
    opts: { maxInFlight?: number; maxWaiting?: number; verify?: (hash: string, password: string) => Promise<boolean> } = {},
  ): Promise<PasswordCheckQueue> {
    const dummy = await hashPassword(crypto.randomBytes(24).toString('base64url'))
    return new PasswordCheckQueue(
      dummy,
      opts.verify ?? verifyPassword,
      opts.maxInFlight ?? MAX_PASSWORD_CHECKS_IN_FLIGHT,
      opts.maxWaiting ?? MAX_PASSWORD_CHECKS_WAITING,
    )
  }

  get inFlight(): number {
    return this.active
  }

  async check(passwordHash: string | null, password: string): Promise<boolean | 'busy'> {
    if (this.active >= this.maxInFlight) {
      if (this.waiting.length >= this.maxWaiting) return 'busy'
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.active++
    }
    try {
      const ok = await this.verify(passwordHash ?? this.dummyHash, password)
      return passwordHash !== null && ok
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or give it back.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
