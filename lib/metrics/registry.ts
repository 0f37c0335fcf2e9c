import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { DB } from '@/lib/db/client'
import { SESSION_STATUSES } from '@/lib/db/schema'
import { accountsByStatus, countAllQueued } from '@/lib/db/stats'
import type { EventBus } from '@/lib/events/bus'

export type GatewayMetrics = {
  /**
   * The process's one prom-client registry. Other modules register their metrics into it (see
   * lib/metrics/webhooks.ts for the webhook worker's), so /metrics serves them all.
   */
  registry: Registry
  /** The Prometheus text exposition of every registered metric. */
  render(): Promise<string>
  contentType: string
  close(): void
}

/**
 * The gateway's Prometheus metrics: sessions by state and the send-queue depth read from the database
 * at scrape time (so they are right after a restart and across processes sharing it), messages by
 * direction and kind counted from the bus since start (a counter, as Prometheus expects; rate() and
 * increase() handle restarts), and Node's process metrics (CPU, memory, event-loop lag, GC, handles).
 * Built once by server.ts; prefixes: `wa_gateway_` for ours, prom-client's defaults for the process.
 */
export function createMetrics({ db, bus, version }: { db: DB; bus: EventBus; version: string }): GatewayMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  new Gauge({
    name: 'wa_gateway_info',
    help: 'Always 1; the version label says which gateway version runs.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version }, 1)

  new Gauge({
    name: 'wa_gateway_sessions',
    help: 'WhatsApp accounts by session state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = accountsByStatus({ db })
      for (const state of SESSION_STATUSES) this.set({ state }, counts[state] ?? 0)
    },
  })

  new Gauge({
    name: 'wa_gateway_send_queue_depth',
    help: 'Outgoing messages accepted and waiting in the send queues, all accounts.',
    registers: [registry],
    collect() {
      this.set(countAllQueued({ db }))
    },
  })

  const messages = new Counter({
    name: 'wa_gateway_messages_total',
    help: 'Messages that entered the log since the process started, by direction (in, out) and kind.',
    labelNames: ['direction', 'kind'],
    registers: [registry],
  })
  const statuses = new Counter({
    name: 'wa_gateway_message_updates_total',
    help: 'Changes to logged messages since the process started, by the status they reached.',
    labelNames: ['status'],
    registers: [registry],
  })
  const storeFailures = new Counter({
    name: 'wa_gateway_message_store_failures_total',
    help: 'Messages from WhatsApp the log could not store (each is also logged as an error), by account.',
    labelNames: ['account'],
    registers: [registry],
  })
  const offs = [
    bus.on('message.created', ({ message }) => messages.inc({ direction: message.direction, kind: message.type })),
    bus.on('messages.store_failed', ({ accountId, count }) => storeFailures.inc({ account: accountId }, count)),
    bus.on('message.updated', ({ message }) => statuses.inc({ status: message.status })),
  ]

  return {
    registry,
    render: () => registry.metrics(),
    contentType: registry.contentType,
    close() {
      for (const off of offs) off()
      registry.clear()
    },
  }
}
