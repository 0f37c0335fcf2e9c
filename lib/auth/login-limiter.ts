import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

/** Consecutive failed sign-ins for one email from one address before that pair is blocked. */
export const MAX_CONSECUTIVE_FAILURES = 10
/** Failed sign-ins for one email from all addresses together before the email is blocked. */
export const MAX_EMAIL_FAILURES = 50
export const BLOCK_SECONDS = 15 * 60
/** A streak of failures below the limit is forgotten after this long (bounds the memory it holds). */
export const FORGET_SECONDS = 24 * 60 * 60

export type LoginAttempt = { email: string; ip: string }
/** Names the points one admitted attempt holds until it is settled. */
export type LoginTicket = { readonly pairKey: string; readonly emailKey: string }
export type Admission = { admitted: true; ticket: LoginTicket } | { admitted: false; retryAfterSeconds: number }

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
  /** Wrong password, unknown email or disabled operator: the points stay. Resolves true when this failure started a block. */
  failed(ticket: LoginTicket): Promise<boolean>
  /** No password was checked (the server was too busy): the points are refunded. */
  cancelled(ticket: LoginTicket): Promise<void>
}

export type LoginLimits = { maxConsecutive: number; maxPerEmail: number; blockSeconds: number; forgetSeconds: number }

const DEFAULT_LIMITS: LoginLimits = {
  maxConsecutive: MAX_CONSECUTIVE_FAILURES,
  maxPerEmail: MAX_EMAIL_FAILURES,
  blockSeconds: BLOCK_SECONDS,
  forgetSeconds: FORGET_SECONDS,
}

/** rate-limiter-flexible rejects with its result object when the points are used up; anything else is a real error. */
async function take(limiter: RateLimiterMemory, key: string): Promise<boolean> {
  try {
    await limiter.consume(key)
    return true
  } catch (err) {
    if (err instanceof RateLimiterRes) return false
    throw err
  }
}

/**
 * In-memory limiter (rate-limiter-flexible): one counter per email+address and one per email, each
 * with a block list beside it. A counter holds failures plus attempts still in flight, so an attempt
 * in flight counts as a failure until it settles (an attacker's burst is judged pessimistically).
 * Reaching the limit with a failure blocks the key for BLOCK_SECONDS from that failure, and the
 * count starts over once the block ends.
 */
export class MemoryLoginLimiter implements LoginLimiter {
  private readonly limits: LoginLimits
  private readonly pairs: RateLimiterMemory
  private readonly emails: RateLimiterMemory
  private readonly blocks: RateLimiterMemory

  constructor(limits: Partial<LoginLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits }
    const { maxConsecutive, maxPerEmail, forgetSeconds, blockSeconds } = this.limits
    this.pairs = new RateLimiterMemory({ keyPrefix: 'login-pair', points: maxConsecutive, duration: forgetSeconds })
    this.emails = new RateLimiterMemory({ keyPrefix: 'login-email', points: maxPerEmail, duration: forgetSeconds })
    this.blocks = new RateLimiterMemory({ keyPrefix: 'login-block', points: 1, duration: blockSeconds })
  }

  static keys({ email, ip }: LoginAttempt): LoginTicket {
    const normalized = email.trim().toLowerCase()
    return { pairKey: `${normalized}|${ip}`, emailKey: normalized }
  }

  /** Seconds left of the longer block on the pair or the email, 0 when neither is blocked. */
  private async blockedFor(ticket: LoginTicket): Promise<number> {
    const [pair, email] = await Promise.all([this.blocks.get(ticket.pairKey), this.blocks.get(`email|${ticket.emailKey}`)])
    const ms = Math.max(pair?.msBeforeNext ?? 0, email?.msBeforeNext ?? 0)
    return ms > 0 ? Math.ceil(ms / 1000) : 0
  }

  async admit(attempt: LoginAttempt): Promise<Admission> {
    const ticket = MemoryLoginLimiter.keys(attempt)
    const blocked = await this.blockedFor(ticket)
    if (blocked > 0) return { admitted: false, retryAfterSeconds: blocked }
    // Up to the limit attempts are already in flight: wait for them to settle.
    if (!(await take(this.pairs, ticket.pairKey))) return { admitted: false, retryAfterSeconds: this.limits.blockSeconds }
    if (!(await take(this.emails, ticket.emailKey))) {
      await this.pairs.reward(ticket.pairKey)
      return { admitted: false, retryAfterSeconds: this.limits.blockSeconds }
    }
    return { admitted: true, ticket }
  }

  async succeeded(ticket: LoginTicket): Promise<void> {
    await this.pairs.delete(ticket.pairKey)
    await this.emails.reward(ticket.emailKey)
  }

  async failed(ticket: LoginTicket): Promise<boolean> {
    const started = await Promise.all([
      this.blockAtLimit(this.pairs, ticket.pairKey, ticket.pairKey, this.limits.maxConsecutive),
      this.blockAtLimit(this.emails, ticket.emailKey, `email|${ticket.emailKey}`, this.limits.maxPerEmail),
    ])
    return started.includes(true)
  }

  async cancelled(ticket: LoginTicket): Promise<void> {
    await this.pairs.reward(ticket.pairKey)
    await this.emails.reward(ticket.emailKey)
  }

  private async blockAtLimit(counter: RateLimiterMemory, key: string, blockKey: string, limit: number): Promise<boolean> {
    const res = await counter.get(key)
    if (!res || res.consumedPoints < limit) return false
    // The block list holds one point per key: only the first failure at the limit takes it and starts
    // the block; failures of the same burst that settle later find it taken.
    if (!(await take(this.blocks, blockKey))) return false
    // The block replaces the streak: once it ends, the count starts over.
    await counter.delete(key)
    return true
  }
}
