/**
 * What to do when a WhatsApp socket closes, as a pure function of the close code and the count of
 * consecutive failures. Codes are those Baileys reports in lastDisconnect.error.output.statusCode.
 */
export type ReconnectPolicyConfig = {
  /** first backoff delay; doubles per consecutive failure */
  baseDelayMs: number
  maxDelayMs: number
  /** consecutive failures (network/server errors) before giving up */
  maxAttempts: number
  /** consecutive 440 "replaced" closes before giving up: another client holds the session */
  maxConflicts: number
  /** ±fraction of random jitter on each delay, so many accounts do not reconnect in lockstep */
  jitter: number
}

export const DEFAULT_POLICY: ReconnectPolicyConfig = { baseDelayMs: 3000, maxDelayMs: 30_000, maxAttempts: 5, maxConflicts: 3, jitter: 0.2 }

export const DISCONNECT = {
  loggedOut: 401,
  forbidden: 403,
  timedOut: 408,
  connectionClosed: 428,
  connectionReplaced: 440,
  badSession: 500,
  unavailable: 503,
  restartRequired: 515,
} as const

export type CloseDecision =
  | { action: 'reconnect_now'; reason: string }
  | { action: 'backoff'; delayMs: number; attempt: number; reason: string }
  | { action: 'logged_out'; reason: string }
  | { action: 'failed'; reason: string }

export function describeClose(code: number | undefined): string {
  switch (code) {
    case 401:
      return 'logged out from the phone (401)'
    case 403:
      return 'forbidden by WhatsApp (403)'
    case 408:
      return 'connection timed out (408)'
    case 428:
      return 'connection closed (428)'
    case 440:
      return 'replaced by another session (440)'
    case 500:
      return 'bad session (500)'
    case 503:
      return 'WhatsApp unavailable (503)'
    case 515:
      return 'restart required (515)'
    case undefined:
      return 'network error'
    default:
      return `closed with code ${code}`
  }
}

export function backoffDelay(attempt: number, cfg: ReconnectPolicyConfig, random: () => number = Math.random): number {
  const raw = Math.min(cfg.baseDelayMs * 2 ** Math.max(0, attempt - 1), cfg.maxDelayMs)
  const spread = raw * cfg.jitter
  return Math.max(0, Math.round(raw - spread + random() * 2 * spread))
}

/**
 * @param failures consecutive failures before this close (0 after a successful open)
 * @param conflicts consecutive 440 closes before this one
 */
export function decideOnClose(
  code: number | undefined,
  { failures, conflicts }: { failures: number; conflicts: number },
  cfg: ReconnectPolicyConfig = DEFAULT_POLICY,
  random: () => number = Math.random,
): CloseDecision {
  const reason = describeClose(code)
  if (code === DISCONNECT.restartRequired) return { action: 'reconnect_now', reason }
  if (code === DISCONNECT.loggedOut) return { action: 'logged_out', reason }
  if (code === DISCONNECT.connectionReplaced) {
    const n = conflicts + 1
    if (n >= cfg.maxConflicts) return { action: 'failed', reason: `${reason}, ${n} times in a row: another client is using this session` }
    // Do not fight the other client: wait the longest delay before trying once more.
    return { action: 'backoff', delayMs: backoffDelay(Number.POSITIVE_INFINITY, cfg, random), attempt: n, reason }
  }
  const attempt = failures + 1
  if (attempt >= cfg.maxAttempts) return { action: 'failed', reason: `${reason}; gave up after ${cfg.maxAttempts} consecutive failures` }
  return { action: 'backoff', delayMs: backoffDelay(attempt, cfg, random), attempt, reason }
}
