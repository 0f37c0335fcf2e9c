import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

/** One limiter's answer for one key: whether the request may go on, and what to tell the caller. */
export type RateDecision = { allowed: boolean; limit: number; remaining: number; resetSeconds: number; windowSeconds: number }

/**
 * A fixed-window counter per key. In memory for the single-process gateway; a multi-process
 * deployment swaps in a shared store (rate-limiter-flexible has Postgres and Redis versions of the
 * same counter) behind this interface.
 */
export type RateLimiter = {
  readonly limit: number
  readonly windowSeconds: number
  /** counts one request (or failure) for `key` */
  consume(key: string): Promise<RateDecision>
  /** the state for `key` without counting anything */
  peek(key: string): Promise<RateDecision>
}

export type ApiLimits = {
  /** requests per API key or operator, per minute */
  perKey: RateLimiter
  /** requests per client address, per minute, whoever makes them */
  perAddress: RateLimiter
  /** failed authentications per client address; at the limit the address is refused until the window ends */
  authFailures: RateLimiter
}

export type ApiLimitsConfig = {
  perKeyPerMinute: number
  perAddressPerMinute: number
  authFailures: number
  authFailureWindowSeconds: number
}

export const DEFAULT_API_LIMITS: ApiLimitsConfig = {
  perKeyPerMinute: 600,
  perAddressPerMinute: 1200,
  authFailures: 20,
  authFailureWindowSeconds: 15 * 60,
}

class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory

  constructor(
    prefix: string,
    readonly limit: number,
    readonly windowSeconds: number,
  ) {
    this.limiter = new RateLimiterMemory({ keyPrefix: prefix, points: limit, duration: windowSeconds })
  }

  private decision(res: RateLimiterRes | null, allowed: boolean): RateDecision {
    return {
      allowed,
      limit: this.limit,
      remaining: res ? Math.max(0, res.remainingPoints) : this.limit,
      resetSeconds: res ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : this.windowSeconds,
      windowSeconds: this.windowSeconds,
    }
  }

  async consume(key: string): Promise<RateDecision> {
    try {
      return this.decision(await this.limiter.consume(key), true)
    } catch (res) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the points are used up.
      if (res instanceof RateLimiterRes) return this.decision(res, false)
      throw res
    }
  }

  async peek(key: string): Promise<RateDecision> {
    const res = await this.limiter.get(key)
    return this.decision(res, !res || res.remainingPoints > 0)
  }
}

export function createMemoryApiLimits(config: ApiLimitsConfig = DEFAULT_API_LIMITS): ApiLimits {
  return {
    perKey: new MemoryRateLimiter('api-key', config.perKeyPerMinute, 60),
    perAddress: new MemoryRateLimiter('api-ip', config.perAddressPerMinute, 60),
    authFailures: new MemoryRateLimiter('api-auth-fail', config.authFailures, config.authFailureWindowSeconds),
  }
}
