import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

/** Consecutive failed sign-ins for one email from one address before that pair is blocked. */
export const MAX_CONSECUTIVE_FAILURES = 10
/** Failed sign-ins for one email from all addresses together before sign-ins for the email slow down. */
export const MAX_EMAIL_FAILURES = 50
export const BLOCK_SECONDS = 15 * 60
/** A streak of failures below the limit is forgotten after this long (bounds the memory it holds). */
export const FORGET_SECONDS = 24 * 60 * 60
/** While an email is slowed down: attempts per minute from all the addresses that have failed for it together. */
export const SLOW_FAILED_PER_MINUTE = 2
/** While an email is slowed down: the longest an address that has not failed for it waits before its check. */
export const MAX_SLOW_DELAY_MS = 10_000

export type LoginAttempt = { email: string; ip: string }
/** Names the points one admitted attempt holds until it is settled. */
export type LoginTicket = { readonly pairKey: string; readonly emailKey: string; readonly emailPoint: boolean }
/** An admitted attempt waits `delayMs` before its password is checked (0 unless the email is slowed down). */
export type Admission = { admitted: true; ticket: LoginTicket; delayMs: number } | { admitted: false; retryAfterSeconds: number }
/** What a failure started: the pair's block, and/or the email's slow-down (or its extension). */
export type FailureOutcome = { blockStarted: boolean; slowedDown: boolean }

/**
 * Brute-force protection for operator sign-in. An attempt takes its point BEFORE the password is
 * checked, so parallel attempts cannot all pass a check made before any of them failed; the point is
 * refunded on success. Kept behind this interface because its state is per process (in memory) and
 * a multi-process deployment will need a shared store.
 */
export type LoginLimiter = {
  admit(attempt: LoginAttempt): Promise<Admission>
  /** The password was right: the pair's streak starts over and the email's point is refunded. */
  succeeded(ticket: LoginTicket): Promise<void>
  /** Wrong password, unknown email or disabled operator: the points stay. */
  failed(ticket: LoginTicket): Promise<FailureOutcome>
  /** No password was checked (the server was too busy): the points are refunded. */
  cancelled(ticket: LoginTicket): Promise<void>
}

export type LoginLimits = {
  maxConsecutive: number
  maxPerEmail: number
  blockSeconds: number
  forgetSeconds: number
  slowFailedPerMinute: number
  maxSlowDelayMs: number
}

const DEFAULT_LIMITS: LoginLimits = {
  maxConsecutive: MAX_CONSECUTIVE_FAILURES,
  maxPerEmail: MAX_EMAIL_FAILURES,
  blockSeconds: BLOCK_SECONDS,
  forgetSeconds: FORGET_SECONDS,
  slowFailedPerMinute: SLOW_FAILED_PER_MINUTE,
  maxSlowDelayMs: MAX_SLOW_DELAY_MS,
}

/** rate-limiter-flexible rejects with its result object when the points are used up; anything else is a real error. */
async function take(limiter: RateLimiterMemory, key: string): Promise<RateLimiterRes | null> {
  try {
    await limiter.consume(key)
    return null
  } catch (err) {
    if (err instanceof RateLimiterRes) return err
    throw err
  }
}

/** The wait of an address that has not failed, while the email is slowed: 0.5 s, doubling every 10 failures since. */
export function slowDelayMs(failuresWhileSlow: number, max: number): number {
  return Math.min(max, 500 * 2 ** Math.floor(failuresWhileSlow / 10))
}

/**
 * In-memory limiter (rate-limiter-flexible).
 *
 * - Per email and address: a counter of failures plus attempts in flight (an attempt in flight counts
 *   as a failure until it settles, so a burst is judged pessimistically). The failure that reaches
 *   the limit blocks the pair for BLOCK_SECONDS, even with the right password; then the count starts over.
 * - Per email, across addresses: reaching the limit does NOT block the email — that would let anyone
 *   who knows an operator's email lock them out. It slows the email down for BLOCK_SECONDS, extended
 *   by every further failure: addresses that have failed for the email share a trickle of attempts
 *   per minute (beyond it: refused with the time to the next one), and an address that has not failed
 *   is always admitted after a short wait that grows with the failures (bounded). An attacker with many
 *   addresses thus gets about one guess per address plus the trickle, and the operator signs in from
 *   their own address within seconds.
 */
export class MemoryLoginLimiter implements LoginLimiter {
  private readonly limits: LoginLimits
  private readonly pairs: RateLimiterMemory
  /** failures only (no attempts in flight) of a pair: "this address has failed for this email" */
  private readonly pairFailures: RateLimiterMemory
  private readonly emails: RateLimiterMemory
  private readonly blocks: RateLimiterMemory
  /** an email slowed down; its points are the failures since the slow-down began */
  private readonly slowed: RateLimiterMemory
  private readonly trickle: RateLimiterMemory

  constructor(limits: Partial<LoginLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits }
    const { maxConsecutive, maxPerEmail, forgetSeconds, blockSeconds, slowFailedPerMinute } = this.limits
    this.pairs = new RateLimiterMemory({ keyPrefix: 'login-pair', points: maxConsecutive, duration: forgetSeconds })
    this.pairFailures = new RateLimiterMemory({ keyPrefix: 'login-pair-failed', points: Number.MAX_SAFE_INTEGER, duration: forgetSeconds })
    this.emails = new RateLimiterMemory({ keyPrefix: 'login-email', points: maxPerEmail, duration: forgetSeconds })
    this.blocks = new RateLimiterMemory({ keyPrefix: 'login-block', points: 1, duration: blockSeconds })
    this.slowed = new RateLimiterMemory({ keyPrefix: 'login-slow', points: Number.MAX_SAFE_INTEGER, duration: blockSeconds })
    this.trickle = new RateLimiterMemory({ keyPrefix: 'login-trickle', points: slowFailedPerMinute, duration: 60 })
  }

  static keys({ email, ip }: LoginAttempt): Omit<LoginTicket, 'emailPoint'> {
    const normalized = email.trim().toLowerCase()
    return { pairKey: `${normalized}|${ip}`, emailKey: normalized }
  }

  /** Seconds left of the pair's block, 0 when it is not blocked. */
  private async blockedFor(pairKey: string): Promise<number> {
    const ms = (await this.blocks.get(pairKey))?.msBeforeNext ?? 0
    return ms > 0 ? Math.ceil(ms / 1000) : 0
  }

  /** Failures since the email was slowed down, or null when it is not. */
  private async slowedFailures(emailKey: string): Promise<number | null> {
    const res = await this.slowed.get(emailKey)
    return res && res.msBeforeNext > 0 ? res.consumedPoints : null
  }

  async admit(attempt: LoginAttempt): Promise<Admission> {
    const keys = MemoryLoginLimiter.keys(attempt)
    const blocked = await this.blockedFor(keys.pairKey)
    if (blocked > 0) return { admitted: false, retryAfterSeconds: blocked }
    // Up to the limit attempts are already in flight: wait for them to settle.
    if (await take(this.pairs, keys.pairKey)) return { admitted: false, retryAfterSeconds: this.limits.blockSeconds }
    const slow = await this.slowedFailures(keys.emailKey)
    // Not slowed: the email's counter takes the attempt; at its limit (with attempts in flight) the
    // attempt is judged as if the email were slowed already.
    const emailPoint = slow === null && (await take(this.emails, keys.emailKey)) === null
    const ticket: LoginTicket = { ...keys, emailPoint }
    if (emailPoint) return { admitted: true, ticket, delayMs: 0 }
    const hasFailed = ((await this.pairFailures.get(keys.pairKey))?.consumedPoints ?? 0) > 0
    if (!hasFailed) return { admitted: true, ticket, delayMs: slowDelayMs(slow ?? 0, this.limits.maxSlowDelayMs) }
    const refused = await take(this.trickle, keys.emailKey)
    if (!refused) return { admitted: true, ticket, delayMs: 0 }
    await this.pairs.reward(keys.pairKey)
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(refused.msBeforeNext / 1000)) }
  }

  async succeeded(ticket: LoginTicket): Promise<void> {
    await this.pairs.delete(ticket.pairKey)
    await this.pairFailures.delete(ticket.pairKey)
    if (ticket.emailPoint) await this.emails.reward(ticket.emailKey)
  }

  async failed(ticket: LoginTicket): Promise<FailureOutcome> {
    await this.pairFailures.penalty(ticket.pairKey, 1)
    const blockStarted = await this.blockAtLimit(ticket.pairKey)
    return { blockStarted, slowedDown: await this.slowDownAtLimit(ticket) }
  }

  async cancelled(ticket: LoginTicket): Promise<void> {
    await this.pairs.reward(ticket.pairKey)
    if (ticket.emailPoint) await this.emails.reward(ticket.emailKey)
  }

  private async blockAtLimit(pairKey: string): Promise<boolean> {
    const res = await this.pairs.get(pairKey)
    if (!res || res.consumedPoints < this.limits.maxConsecutive) return false
    // The block list holds one point per key: only the first failure at the limit takes it and starts
    // the block; failures of the same burst that settle later find it taken.
    if (await take(this.blocks, pairKey)) return false
    // The block replaces the streak: once it ends, the count starts over.
    await this.pairs.delete(pairKey)
    return true
  }

  /** Starts the email's slow-down at the limit; a failure while slowed counts and extends it. */
  private async slowDownAtLimit(ticket: LoginTicket): Promise<boolean> {
    const slow = await this.slowedFailures(ticket.emailKey)
    if (slow === null) {
      // the counter holds failures and attempts in flight: judged pessimistically, like the pair's
      const res = await this.emails.get(ticket.emailKey)
      if (!res || res.consumedPoints < this.limits.maxPerEmail) return false
      // the slow-down replaces the count: once it ends, counting starts over
      await this.emails.delete(ticket.emailKey)
    }
    await this.slowed.set(ticket.emailKey, (slow ?? 0) + 1, this.limits.blockSeconds)
    return true
  }
}
