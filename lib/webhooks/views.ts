import type { DB } from '@/lib/db/client'
import type { EndpointRow } from '@/lib/db/webhook-endpoints'
import { attemptsOf, type DeliveryRow } from '@/lib/db/webhooks'
import type { DeliveryStatus } from '@/lib/vocabulary/statuses'

/*
 * What the webhook module publishes (API answers, the dashboard, live updates) built from the rows
 * lib/db returns: the repositories hand back rows, this module decides what a reader may see.
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A webhook endpoint as the API and the dashboard show it: custom headers by name only, never a secret. */
export type WebhookView = {
  id: string
  accountId: string | null
  url: string
  description: string
  events: string[] | null
  headers: string[]
  enabled: boolean
  ordered: boolean
  disabledReason: string | null
  disabledAt: string | null
  health: { lastSuccessAt: string | null; lastFailureAt: string | null; failingSince: string | null; consecutiveFailures: number }
  previousSecretExpiresAt: string | null
  createdAt: string
  updatedAt: string
}

/** One attempt of a delivery: when, the answer's status, how long, the error, the first 1 KiB of the answer. */
export type AttemptView = { at: string; statusCode: number | null; durationMs: number; error: string | null; response: string | null }

/** A delivery without its attempts (what live updates carry, with the one attempt that changed it). */
export type DeliverySummary = {
  id: number
  webhookId: string
  eventId: string
  eventType: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: string | null
  lastStatusCode: number | null
  lastError: string | null
  lastAttemptAt: string | null
  deliveredAt: string | null
  createdAt: string
}

export type DeliveryView = DeliverySummary & { attemptLog: AttemptView[] }

export function endpointView(r: EndpointRow, now: number): WebhookView {
  return {
    id: r.id,
    accountId: r.accountId,
    url: r.url,
    description: r.description,
    events: r.events ?? null,
    headers: r.headerNames,
    enabled: r.enabled,
    ordered: r.ordered,
    disabledReason: r.enabled ? null : r.disabledReason,
    disabledAt: r.enabled ? null : iso(r.disabledAt),
    health: {
      lastSuccessAt: iso(r.lastSuccessAt),
      lastFailureAt: iso(r.lastFailureAt),
      failingSince: iso(r.failingSince),
      consecutiveFailures: r.consecutiveFailures,
    },
    previousSecretExpiresAt: r.previousSecretUntil !== null && r.previousSecretUntil > now ? iso(r.previousSecretUntil) : null,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  }
}

export function deliverySummary(d: DeliveryRow): DeliverySummary {
  return {
    id: d.id,
    webhookId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastAttemptAt: iso(d.lastAttemptAt),
    deliveredAt: iso(d.deliveredAt),
    createdAt: new Date(d.createdAt).toISOString(),
  }
}

/** Deliveries with every attempt, read in one query. */
export function deliveryViews({ db, rows }: { db: DB; rows: DeliveryRow[] }): DeliveryView[] {
  const attempts = attemptsOf({ db, deliveryIds: rows.map((r) => r.id) })
  return rows.map((d) => ({
    ...deliverySummary(d),
    attemptLog: attempts
      .filter((a) => a.deliveryId === d.id)
      .map((a) => ({
        at: new Date(a.at).toISOString(),
        statusCode: a.statusCode,
        durationMs: a.durationMs,
        error: a.error,
        response: a.response,
      })),
  }))
}
