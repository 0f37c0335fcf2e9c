import type { DB } from '@/lib/db/client'
import { markDispatched, onEventsAppended, undispatchedEvents } from '@/lib/db/events'
import { enabledEndpoints } from '@/lib/db/webhook-endpoints'
import { insertDelivery } from '@/lib/db/webhooks'
import type { EventBus } from '@/lib/events/bus'
import type { Logger } from '@/lib/logger'

const BATCH = 500
/** Events written by another connection (a CLI, a second process) are found by this poll. */
const POLL_MS = 1000

/**
 * Reads committed outbox events and fans each out: one delivery per matching enabled endpoint
 * (same account, or gateway-wide; in its event filter) and the in-process bus. The deliveries and
 * the event's `dispatched_at` commit together, so after a crash each event is fanned out exactly
 * once: the next start continues with the events not yet marked.
 */
export class EventDispatcher {
  private scheduled = false
  private running = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private off: (() => void) | undefined

  constructor(
    private readonly deps: {
      db: DB
      bus: EventBus
      logger: Logger
      /** called after new deliveries committed */
      onDeliveries: () => void
      /** delay before the first attempt (the retry schedule's first entry) */
      firstDelayMs: number
      now?: () => number
    },
  ) {}

  start(): void {
    this.stopped = false
    this.off = onEventsAppended(this.deps.db, () => this.kick())
    this.poll()
    this.kick()
  }

  stop(): void {
    this.stopped = true
    this.off?.()
    clearTimeout(this.timer)
  }

  kick(): void {
    if (this.scheduled || this.stopped) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.run()
    })
  }

  /** Fans out everything committed so far (synchronous; also what tests and benchmarks call). */
  run(): number {
    if (this.running || this.stopped) return 0
    this.running = true
    let total = 0
    try {
      for (;;) {
        const n = this.batch()
        total += n
        if (n < BATCH) break
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'dispatching events failed; retrying on the next poll')
    } finally {
      this.running = false
    }
    return total
  }

  private poll(): void {
    this.timer = setTimeout(() => {
      this.kick()
      if (!this.stopped) this.poll()
    }, POLL_MS)
    this.timer.unref()
  }

  private batch(): number {
    const { db } = this.deps
    const now = (this.deps.now ?? Date.now)()
    const created: { id: number; endpointId: string; accountId: string | null; eventId: string; eventType: string; dueAt: number }[] = []
    const rows = db.$client
      .transaction(() => {
        const rows = undispatchedEvents({ db, limit: BATCH })
        if (rows.length === 0) return rows
        const endpoints = enabledEndpoints({ db })
        for (const e of rows) {
          // test events go to their one endpoint only (they are written dispatched)
          for (const ep of endpoints) {
            if (ep.accountId !== null && ep.accountId !== e.accountId) continue
            if (ep.events && !ep.events.includes(e.type)) continue
            const dueAt = now + this.deps.firstDelayMs
            const id = insertDelivery({ db, endpointId: ep.id, eventId: e.id, eventType: e.type, at: now, dueAt })
            if (id !== undefined) created.push({ id, endpointId: ep.id, accountId: ep.accountId, eventId: e.id, eventType: e.type, dueAt })
          }
        }
        markDispatched({ db, ids: rows.map((r) => r.id), at: now })
        return rows
      })
      .immediate()
    if (created.length > 0) this.deps.onDeliveries()
    // Announced before the worker's first attempt (that runs on a later turn): the dashboard sees each one appear.
    for (const d of created) {
      this.deps.bus.emit('webhook.delivery', {
        change: 'created',
        accountId: d.accountId,
        attempt: null,
        webhook: null,
        delivery: {
          id: d.id,
          webhookId: d.endpointId,
          eventId: d.eventId,
          eventType: d.eventType,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: new Date(d.dueAt).toISOString(),
          lastStatusCode: null,
          lastError: null,
          lastAttemptAt: null,
          deliveredAt: null,
          createdAt: new Date(now).toISOString(),
        },
      })
    }
    const last = rows.at(-1)
    if (last) this.deps.bus.emit('event.committed', { lastId: last.id, count: rows.length })
    return rows.length
  }
}
