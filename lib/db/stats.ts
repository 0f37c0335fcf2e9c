import { count, eq, gte, sql } from 'drizzle-orm'
import type { DB } from './client'
import { accounts, messages, type SessionStatus, webhookAttempts, webhookDeliveries, webhookEndpoints } from './schema'

const HOUR_MS = 3_600_000

export type HourBucket = { hour: number; in: number; out: number }

/**
 * Messages in and out per hour over the last `hours` hours, oldest first, every hour present (zeros
 * included). Bucketed in SQL by integer division of the millisecond timestamp, which Postgres does too.
 */
export function messagesPerHour({ db, hours, now = Date.now() }: { db: DB; hours: number; now?: number }): HourBucket[] {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS
  const bucket = sql<number>`(${messages.timestamp} / ${HOUR_MS}) * ${HOUR_MS}`
  const rows = db
    .select({ hour: bucket, direction: messages.direction, n: count() })
    .from(messages)
    .where(gte(messages.timestamp, first))
    .groupBy(bucket, messages.direction)
    .all()
  const out: HourBucket[] = Array.from({ length: hours }, (_, i) => ({ hour: first + i * HOUR_MS, in: 0, out: 0 }))
  for (const r of rows) {
    const b = out[Math.floor((r.hour - first) / HOUR_MS)]
    if (b) b[r.direction] += r.n
  }
  return out
}

/** Messages waiting in every account's send queue. */
export function countAllQueued({ db }: { db: DB }): number {
  return db.select({ n: count() }).from(messages).where(eq(messages.status, 'queued')).get()?.n ?? 0
}

/** Queued messages per account (only accounts with some). */
export function queuedByAccount({ db }: { db: DB }): { accountId: string; queued: number }[] {
  return db
    .select({ accountId: messages.accountId, queued: count() })
    .from(messages)
    .where(eq(messages.status, 'queued'))
    .groupBy(messages.accountId)
    .all()
}

export function accountsByStatus({ db }: { db: DB }): Partial<Record<SessionStatus, number>> {
  const rows = db.select({ status: accounts.status, n: count() }).from(accounts).groupBy(accounts.status).all()
  return Object.fromEntries(rows.map((r) => [r.status, r.n]))
}

export type WebhookHealth = {
  endpoints: number
  disabledEndpoints: number
  /** deliveries still owed (pending, due now or later) */
  backlog: number
  /** creation time of the oldest owed delivery; null when none */
  oldestPendingAt: number | null
  /** attempts since `since`, and how many of them failed (any answer but 2xx, or no answer) */
  attempts: number
  failedAttempts: number
}

/** Webhook backlog and failure rate for the System page (the attempt count reads the `at` index). */
export function webhookHealth({ db, since }: { db: DB; since: number }): WebhookHealth {
  const ep = db
    .select({ n: count(), disabled: sql<number>`coalesce(sum(case when ${webhookEndpoints.enabled} then 0 else 1 end), 0)` })
    .from(webhookEndpoints)
    .get()
  const owed = db
    .select({ n: count(), oldest: sql<number | null>`min(${webhookDeliveries.createdAt})` })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, 'pending'))
    .get()
  const tried = db
    .select({ n: count(), failed: sql<number>`coalesce(sum(case when ${webhookAttempts.error} is null then 0 else 1 end), 0)` })
    .from(webhookAttempts)
    .where(gte(webhookAttempts.at, since))
    .get()
  return {
    endpoints: ep?.n ?? 0,
    disabledEndpoints: ep?.disabled ?? 0,
    backlog: owed?.n ?? 0,
    oldestPendingAt: owed?.oldest ?? null,
    attempts: tried?.n ?? 0,
    failedAttempts: tried?.failed ?? 0,
  }
}
