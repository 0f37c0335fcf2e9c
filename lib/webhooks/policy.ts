/**
 * What happens after a webhook attempt: a pure function of the answer, the position in the retry
 * schedule and the endpoint's failing window, with a closed result type (like the session policy).
 */
export type RetryConfig = {
  /** delay before each attempt: [0] before the first, [n] after the n-th failed one; its length is the number of attempts */
  scheduleMs: readonly number[]
  /** ± this fraction of each delay, at random, so retries of many deliveries do not arrive together */
  jitter: number
  /** an endpoint failing without a single success for this long is disabled */
  disableAfterMs: number
  /** a Retry-After further away than this is cut to it */
  maxRetryAfterMs: number
}

export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfter?: string | undefined; location?: string | undefined }
  | { kind: 'timeout'; message: string }
  | { kind: 'network'; message: string }
  /** the target is not allowed (scheme, private address): retrying cannot help */
  | { kind: 'refused'; message: string }

export type AttemptDecision =
  | { action: 'delivered' }
  | { action: 'retry'; at: number; error: string; disableEndpoint?: string }
  | { action: 'fail'; error: string; disableEndpoint?: string }

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export function jittered(delayMs: number, jitter: number, random: () => number): number {
  if (delayMs <= 0 || jitter <= 0) return Math.max(0, delayMs)
  return Math.max(0, Math.round(delayMs * (1 + jitter * (2 * random() - 1))))
}

function describe(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'response':
      if (outcome.status >= 300 && outcome.status < 400)
        return `redirect ${outcome.status} not followed${outcome.location ? ` (Location: ${outcome.location.slice(0, 200)})` : ''}`
      return `HTTP ${outcome.status}`
    default:
      return outcome.message
  }
}

/**
 * 2xx: delivered. 410: failed, and the endpoint is disabled. Other 3xx/4xx (redirects are not
 * followed) and refused targets: failed, not retried — except 408 and 429, retried like 5xx,
 * timeouts and connection errors, 429/503 no sooner than their Retry-After. After the last
 * attempt of the schedule the delivery fails. A failure that extends the endpoint's failing window
 * past `disableAfterMs` also disables the endpoint.
 */
export function decideAfterAttempt(
  input: { outcome: AttemptOutcome; attemptsMade: number; now: number; failingSince: number | null; random?: () => number },
  config: RetryConfig,
): AttemptDecision {
  const { outcome, attemptsMade, now } = input
  if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) return { action: 'delivered' }
  const error = describe(outcome)
  const windowOver = input.failingSince !== null && now - input.failingSince >= config.disableAfterMs
  const windowDisable = windowOver
    ? { disableEndpoint: `failing without a success for ${Math.round((now - (input.failingSince ?? now)) / 60_000)} min` }
    : {}
  if (outcome.kind === 'response' && outcome.status === 410) {
    return { action: 'fail', error, disableEndpoint: 'the endpoint answered 410 Gone' }
  }
  const retryable =
    outcome.kind === 'timeout' ||
    outcome.kind === 'network' ||
    (outcome.kind === 'response' && (outcome.status >= 500 || outcome.status === 408 || outcome.status === 429 || outcome.status < 200))
  if (!retryable) return { action: 'fail', error, ...windowDisable }
  const scheduled = config.scheduleMs[attemptsMade]
  if (scheduled === undefined) return { action: 'fail', error: `${error}; gave up after ${attemptsMade} attempts`, ...windowDisable }
  let delay = jittered(scheduled, config.jitter, input.random ?? Math.random)
  if (outcome.kind === 'response' && (outcome.status === 429 || outcome.status === 503)) {
    const asked = parseRetryAfter(outcome.retryAfter, now)
    if (asked !== undefined) delay = Math.max(delay, Math.min(asked, config.maxRetryAfterMs))
  }
  return { action: 'retry', at: now + delay, error, ...windowDisable }
}

/** "0,5s,5m,30m,2h,5h,10h,10h" → milliseconds; a bare number is milliseconds. Throws on anything else. */
export function parseSchedule(text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
  const out = text.split(',').map((raw) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw)
    if (!m) throw new Error(`"${raw.trim()}" is not a duration (e.g. 500ms, 5s, 5m, 2h)`)
    return Math.round(Number(m[1]) * (units[m[2] ?? 'ms'] ?? 1))
  })
  if (out.length === 0) throw new Error('needs at least one attempt')
  return out
}

export const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h'
