import { RateLimiterMemory } from 'rate-limiter-flexible'

export const MAX_CONSECUTIVE_FAILURES = 10
export const BLOCK_SECONDS = 15 * 60

/**
 * Brute-force protection for operator login: after MAX_CONSECUTIVE_FAILURES failed attempts for the
 * same email from the same IP, that pair is blocked for BLOCK_SECONDS (even with the right
 * password). A successful login resets the count.
 */
export class LoginLimiter {
  private readonly limiter: RateLimiterMemory

  constructor(opts: { maxFailures?: number; blockSeconds?: number } = {}) {
    const blockSeconds = opts.blockSeconds ?? BLOCK_SECONDS
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'login',
      points: opts.maxFailures ?? MAX_CONSECUTIVE_FAILURES,
      duration: blockSeconds,
      blockDuration: blockSeconds,
    })
  }

  private key(email: string, ip: string) {
    return `${email.trim().toLowerCase()}|${ip}`
  }

  /** Seconds until the pair may try again, or 0 when it is not blocked. */
  async blockedFor(email: string, ip: string): Promise<number> {
    const res = await this.limiter.get(this.key(email, ip))
    if (!res || res.remainingPoints > 0) return 0
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000))
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    // consume() rejects once the points are used up; that is the block, not an error.
    await this.limiter.consume(this.key(email, ip)).catch(() => undefined)
  }

  async recordSuccess(email: string, ip: string): Promise<void> {
    await this.limiter.delete(this.key(email, ip))
  }
}
