import { count, eq, gte, sql } from 'drizzle-orm'
import type { DB } from './client'
import { accounts, messages, type SessionStatus } from './schema'

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
