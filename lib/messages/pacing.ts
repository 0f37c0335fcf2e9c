/**
 * When an account's next queued message may go out, and what a refusal from WhatsApp does to the
 * queue: pure functions of their inputs (no clock, no sockets), like lib/sessions/policy.ts.
 * Pacing lowers the risk of bans: WhatsApp flags accounts that send in bursts.
 */
export type PacingConfig = {
  /** minimum time between two sends of one account; 0 = off */
  minGapMs: number
  /** sends of one account per rolling minute; 0 = no cap */
  perMinute: number
}

export type RestrictionConfig = {
  /** consecutive restricted refusals (463) that pause the queue */
  pauseAfter: number
  pauseMs: number
}

export const PACING_OFF: PacingConfig = { minGapMs: 0, perMinute: 0 }
export const WINDOW_MS = 60_000

/** An account's own setting wins over the global one; null/undefined means "use the global". */
export function resolvePacing(global: PacingConfig, account: { minGapMs?: number | null; perMinute?: number | null } = {}): PacingConfig {
  return { minGapMs: account.minGapMs ?? global.minGapMs, perMinute: account.perMinute ?? global.perMinute }
}

export type PacingState = {
  now: number
  /** send times of this account, any order; only the last minute matters */
  recentSends: readonly number[]
  pausedUntil: number | null
}

export type PacingDecision = { action: 'send' } | { action: 'wait'; delayMs: number; reason: 'paused' | 'min_gap' | 'per_minute' }

export function decideNextSend(state: PacingState, cfg: PacingConfig): PacingDecision {
  const { now } = state
  if (state.pausedUntil !== null && state.pausedUntil > now) return { action: 'wait', delayMs: state.pausedUntil - now, reason: 'paused' }
  const recent = state.recentSends.filter((t) => t > now - WINDOW_MS).sort((a, b) => a - b)
  const last = recent.at(-1)
  if (cfg.minGapMs > 0 && last !== undefined && now - last < cfg.minGapMs) {
    return { action: 'wait', delayMs: last + cfg.minGapMs - now, reason: 'min_gap' }
  }
  if (cfg.perMinute > 0 && recent.length >= cfg.perMinute) {
    // The oldest send in the window leaving it frees a slot.
    const oldest = recent[recent.length - cfg.perMinute] ?? now
    return { action: 'wait', delayMs: Math.max(1, oldest + WINDOW_MS - now), reason: 'per_minute' }
  }
  return { action: 'send' }
}

export type RefusalDecision = { restrictions: number; pause: { until: number; reason: string } | null }

/** 463: WhatsApp says the account is restricted from reaching out. */
export const RESTRICTED_CODE = 463

/**
 * After WhatsApp refused a send (`code`) or accepted one (`code` null): consecutive restrictions count
 * up, anything else resets them, and reaching `pauseAfter` pauses the queue instead of burning through
 * it — every further send would count as another reach-out and deepen the restriction.
 */
export function decideOnOutcome(
  { code, restrictions, now }: { code: number | null; restrictions: number; now: number },
  cfg: RestrictionConfig,
): RefusalDecision {
  if (code !== RESTRICTED_CODE) return { restrictions: code === null ? 0 : restrictions, pause: null }
  const n = restrictions + 1
  if (n < cfg.pauseAfter) return { restrictions: n, pause: null }
  return {
    restrictions: n,
    pause: {
      until: now + cfg.pauseMs,
      reason: `paused: WhatsApp refused ${n} sends in a row as restricted (463); sending resumes at ${new Date(now + cfg.pauseMs).toISOString()} or when resumed`,
    },
  }
}
