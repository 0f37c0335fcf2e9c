import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { AppError } from '@/lib/errors'

/**
 * Pairing-code requests per account. Each one makes WhatsApp send the phone a "enter this code"
 * notification, and WhatsApp itself throttles (and may flag) numbers that ask for many codes: a key
 * holder looping on the endpoint would spam the phone's owner and risk the number's standing. A person
 * linking a phone needs one code, a second when it expires or was mistyped. These limits are not
 * settings: no deployment needs more, and a lower one would only get in the way of a retry.
 */
export const PAIRING_LIMITS = [
  { points: 1, seconds: 30 },
  { points: 5, seconds: 10 * 60 },
] as const

/** Per process (in memory), like the other limiters; a shared store replaces it with several processes. */
export type PairingThrottle = {
  /** Counts one request for the account; throws 429 rate_limited with Retry-After beyond a limit. */
  take(accountId: string): Promise<void>
}

export class MemoryPairingThrottle implements PairingThrottle {
  private readonly windows = PAIRING_LIMITS.map((l) => ({
    ...l,
    limiter: new RateLimiterMemory({ keyPrefix: `pairing-${l.seconds}`, points: l.points, duration: l.seconds }),
  }))

  async take(accountId: string): Promise<void> {
    // Judge every window before counting, so a refused request does not use up the longer window.
    for (const w of this.windows) {
      const res = await w.limiter.get(accountId)
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw refusal(w, res)
    }
    for (const w of this.windows) {
      try {
        await w.limiter.consume(accountId)
      } catch (err) {
        if (err instanceof RateLimiterRes) throw refusal(w, err)
        throw err
      }
    }
  }
}

function refusal(w: { points: number; seconds: number }, res: RateLimiterRes): AppError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000))
  return new AppError(
    'rate_limited',
    `Too many pairing-code requests for this account: at most ${w.points} per ${w.seconds} s. Retry in ${retryAfter} s.`,
    { retryAfter },
  )
}
