import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { AppError } from '@/lib/errors'

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
  /**
   * counts `points` at once, all or nothing: when they do not fit in what is left of the window,
   * nothing is counted and the decision says how many remain
   */
  take(key: string, points: number): Promise<RateDecision>
  /** the state for `key` without counting anything */
  peek(key: string): Promise<RateDecision>
}

export type ApiLimits = {
  /** requests per API key or operator, per minute */
  perKey: RateLimiter
  /** requests per client address, per minute, whoever makes them */
  perAddress: RateLimiter
  /**
   * failed authentications per client address; at the limit, requests from the address whose
   * credentials do not check out are refused until the window ends (valid ones still pass)
   */
  authFailures: RateLimiter
  /** phone numbers checked on WhatsApp per account, per minute (POST …/contacts/check) */
  contactChecks: RateLimiter
}

export type ApiLimitsConfig = {
  perKeyPerMinute: number
  perAddressPerMinute: number
  authFailures: number
  authFailureWindowSeconds: number
  contactChecksPerMinute: number
}

export const DEFAULT_API_LIMITS: ApiLimitsConfig = {
  perKeyPerMinute: 600,
  perAddressPerMinute: 1200,
  authFailures: 20,
  authFailureWindowSeconds: 15 * 60,
  contactChecksPerMinute: 60,
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

  async take(key: string, points: number): Promise<RateDecision> {
    try {
      return this.decision(await this.limiter.consume(key, points), true)
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res
      // consume() counted the points although they did not fit: give them back, so a request that
      // is refused whole costs nothing, and say what was left before it.
      const after = await this.limiter.reward(key, points)
      return this.decision(after, false)
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
    contactChecks: new MemoryRateLimiter('contact-check', config.contactChecksPerMinute, 60),
  }
}

/**
 * Counts `numbers` phone numbers against an account's contact-check budget. A request that does not
 * fit in what is left of the minute is refused whole (429 with Retry-After) and counts nothing, so
 * a client can retry it unchanged; one larger than the whole budget can never fit and answers 422.
 */
export async function spendContactChecks(limiter: RateLimiter, accountId: string, numbers: number): Promise<void> {
  if (numbers > limiter.limit)
    throw new AppError(
      'validation_failed',
      `Account "${accountId}" may have at most ${limiter.limit} numbers checked per minute (CONTACT_CHECK_RATE_PER_MINUTE); send at most ${limiter.limit} per request.`,
    )
  const d = await limiter.take(accountId, numbers)
  if (d.allowed) return
  throw new AppError(
    'rate_limited',
    `Account "${accountId}" may have at most ${d.limit} numbers checked per minute (CONTACT_CHECK_RATE_PER_MINUTE); ${d.remaining} left, this request asks ${numbers}. Retry in ${d.resetSeconds} s.`,
    { retryAfter: d.resetSeconds, details: { limit: d.limit, remaining: d.remaining, requested: numbers } },
  )
}
