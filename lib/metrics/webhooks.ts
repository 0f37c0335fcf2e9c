import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/**
 * Extension point for the webhook delivery worker: it calls `registerWebhookMetrics(metrics.registry)`
 * once where server.ts builds it, then reports each attempt and how to read its backlog. Nothing calls
 * it yet, so /metrics carries no webhook series until the worker exists.
 */
export type WebhookOutcome = 'delivered' | 'retrying' | 'failed' | 'disabled'

export type WebhookMetrics = {
  /** one delivery attempt finished: its outcome and how long the endpoint took to answer */
  attempt(outcome: WebhookOutcome, seconds: number): void
}

export function registerWebhookMetrics(registry: Registry, { backlog }: { backlog: () => number }): WebhookMetrics {
  const attempts = new Counter({
    name: 'wa_gateway_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'wa_gateway_webhook_delivery_seconds',
    help: 'Time webhook endpoints took to answer a delivery attempt.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  new Gauge({
    name: 'wa_gateway_webhook_backlog',
    help: 'Webhook deliveries waiting to be sent.',
    registers: [registry],
    collect() {
      this.set(backlog())
    },
  })
  return {
    attempt(outcome, seconds) {
      attempts.inc({ outcome })
      latency.observe(seconds)
    },
  }
}
