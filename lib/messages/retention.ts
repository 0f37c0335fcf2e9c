import type { DB } from '@/lib/db/client'
import { purgeEarlyStatusesBefore, purgeEventsBefore, purgeMessagesBefore } from '@/lib/db/retention'
import type { Logger } from '@/lib/logger'

const DAY_MS = 86_400_000
/** Rows per delete: each batch is its own short transaction, so writers wait at most one batch. */
const BATCH = 500
const EARLY_STATUS_TTL_MS = DAY_MS

/**
 * MESSAGE_RETENTION_DAYS in the background: messages older than that, and events older than that
 * (with their deliveries), are deleted in small batches, yielding to the event loop between
 * batches, so sessions keep writing meanwhile. Runs shortly after start and then every hour.
 * 0 days keeps everything (only stale early statuses are dropped).
 */
export class RetentionRunner {
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private running: Promise<void> | undefined

  constructor(
    private readonly deps: { db: DB; logger: Logger; days: number; intervalMs?: number; firstRunMs?: number; now?: () => number },
  ) {}

  start(): void {
    this.stopped = false
    this.schedule(this.deps.firstRunMs ?? 60_000)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.deps.logger.error({ err }, 'retention run failed'))
        .finally(() => {
          this.running = undefined
          if (!this.stopped) this.schedule(this.deps.intervalMs ?? 3_600_000)
        })
    }, ms)
    this.timer.unref()
  }

  /** One full pass; resolves when nothing older is left (or on stop). */
  async runOnce(): Promise<{ messages: number; events: number }> {
    const { db, days } = this.deps
    const now = (this.deps.now ?? Date.now)()
    purgeEarlyStatusesBefore({ db, before: now - EARLY_STATUS_TTL_MS })
    if (days <= 0) return { messages: 0, events: 0 }
    const before = now - days * DAY_MS
    let purgedMessages = 0
    let purgedEvents = 0
    for (;;) {
      if (this.stopped) break
      const m = purgeMessagesBefore({ db, before, limit: BATCH })
      const e = purgeEventsBefore({ db, before, limit: BATCH })
      purgedMessages += m
      purgedEvents += e
      if (m < BATCH && e < BATCH) break
      await new Promise((r) => setImmediate(r))
    }
    if (purgedMessages || purgedEvents)
      this.deps.logger.info({ messages: purgedMessages, events: purgedEvents, days }, 'retention: purged old messages and events')
    return { messages: purgedMessages, events: purgedEvents }
  }
}
