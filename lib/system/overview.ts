import type { DB } from '@/lib/db/client'
import { SESSION_STATUSES, type SessionStatus } from '@/lib/db/schema'
import {
  accountsByStatus,
  countAllQueued,
  type HourBucket,
  messagesPerHour,
  queuedByAccount,
  type WebhookHealth,
  webhookHealth,
} from '@/lib/db/stats'
import type { LoopDelay, LoopDelayMonitor } from './loop-delay'

export type { HourBucket, WebhookHealth }

export type SystemOverview = {
  sessions: { status: SessionStatus; count: number }[]
  perHour: HourBucket[]
  queue: { total: number; byAccount: { accountId: string; queued: number }[] }
  /** webhook backlog now, and the failure rate of the attempts of the last hour */
  webhooks: WebhookHealth
  memory: { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number }
  loopDelay: LoopDelay
  uptimeMs: number
  /** when this overview was read */
  now: number
}

const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10

/** What the System page shows, read in one go at request time. */
export function systemOverview({
  db,
  loopDelay,
  startedAt,
  hours = 24,
  now = Date.now(),
}: {
  db: DB
  loopDelay: LoopDelayMonitor
  startedAt: number
  hours?: number
  now?: number
}): SystemOverview {
  const counts = accountsByStatus({ db })
  const mem = process.memoryUsage()
  return {
    sessions: SESSION_STATUSES.map((status) => ({ status, count: counts[status] ?? 0 })),
    perHour: messagesPerHour({ db, hours, now }),
    queue: {
      total: countAllQueued({ db }),
      byAccount: queuedByAccount({ db })
        .sort((a, b) => b.queued - a.queued)
        .slice(0, 10),
    },
    webhooks: webhookHealth({ db, since: now - 3_600_000 }),
    memory: { rssMiB: mib(mem.rss), heapUsedMiB: mib(mem.heapUsed), heapTotalMiB: mib(mem.heapTotal), externalMiB: mib(mem.external) },
    loopDelay: loopDelay.read(),
    uptimeMs: now - startedAt,
    now,
  }
}
