import type { Env } from '@/lib/env'
import type { OutboundPolicy } from '@/lib/net/outbound'
import type { RetryConfig } from './policy'

export type WebhookConfig = {
  /** what targets deliveries may reach (the shared outbound guard) */
  policy: OutboundPolicy
  /** one attempt: connect, answer and the first bytes of the body */
  timeoutMs: number
  retry: RetryConfig
  /** attempts in flight at once, over all endpoints */
  concurrency: number
  /**
   * attempts in flight at once for one endpoint (its fair share of `concurrency`): a slow or hanging
   * receiver holds at most this many slots while the others keep delivering. Default: half the slots, at most 8.
   */
  slotsPerEndpoint?: number
  /** endpoints one account may have (the endpoints of every account count as one more account); unset: no limit */
  endpointsPerAccount?: number
  /** how long a claimed delivery stays claimed: longer than any attempt, so only a dead worker's lease runs out */
  leaseMs: number
  /** how long the previous secret keeps signing after a rotation, unless the request says otherwise */
  rotationOverlapMs: number
  /** at shutdown, how long attempts in flight may finish before they are aborted (default 5 s) */
  stopGraceMs?: number
}

export function webhookConfigFromEnv(env: Pick<Env, 'webhooks'>): WebhookConfig {
  const w = env.webhooks
  return {
    policy: { allowedCidrs: w.allowedCidrs, allowHttp: w.allowHttp, forbiddenCode: 'webhook_url_forbidden' },
    timeoutMs: w.timeoutMs,
    retry: { scheduleMs: w.retryScheduleMs, jitter: w.retryJitter, disableAfterMs: w.disableAfterMs, maxRetryAfterMs: 86_400_000 },
    concurrency: w.concurrency,
    slotsPerEndpoint: w.slotsPerEndpoint,
    endpointsPerAccount: w.endpointsPerAccount,
    leaseMs: w.timeoutMs * 2 + 5000,
    rotationOverlapMs: 86_400_000,
  }
}
