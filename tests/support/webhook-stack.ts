import type { WebhookConfig } from '@/lib/webhooks/config'
import { startTestGateway } from './test-gateway'

/**
 * A gateway for webhook tests (lib/gateway.ts with the short test timings, no WhatsApp needed): its
 * webhook service, outbox dispatcher and delivery worker on a fresh database; `stop()` removes it all.
 */
export async function startWebhookStack(config: Partial<WebhookConfig> = {}) {
  const t = await startTestGateway({ tune: { webhooks: config } })
  const { gw } = t
  return { gw, db: gw.db, service: gw.webhooks, dispatcher: gw.dispatcher, worker: gw.webhookWorker, stop: () => t.close() }
}
