import type { Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import type { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import type { WebhookConfig } from '@/lib/webhooks/config'
import { EventDispatcher } from '@/lib/webhooks/dispatcher'
import { WebhookService } from '@/lib/webhooks/service'
import { DeliveryWorker } from '@/lib/webhooks/worker'

/** Short timings for tests: the production logic, minutes turned into milliseconds. */
export const FAST_WEBHOOKS: WebhookConfig = {
  policy: { allowedCidrs: ['127.0.0.0/8'], allowHttp: true, forbiddenCode: 'webhook_url_forbidden' },
  timeoutMs: 400,
  retry: { scheduleMs: [0, 100, 150, 200, 250], jitter: 0, disableAfterMs: 3_600_000, maxRetryAfterMs: 5000 },
  concurrency: 16,
  leaseMs: 2000,
  rotationOverlapMs: 60_000,
}

/** The webhook pieces of the gateway (service, dispatcher, worker) on a database, as server.ts wires them. */
export function startWebhookStack(opts: { db: DB; bus: EventBus; keyring: Keyring; config?: Partial<WebhookConfig> }) {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const config = { ...FAST_WEBHOOKS, ...opts.config }
  const worker = new DeliveryWorker({ db: opts.db, keyring: opts.keyring, logger, config, userAgent: 'wa-gateway/test' })
  const dispatcher = new EventDispatcher({ db: opts.db, bus: opts.bus, logger, onDeliveries: () => worker.kick(), firstDelayMs: 0 })
  const service = new WebhookService({ db: opts.db, keyring: opts.keyring, config, onDeliveries: () => worker.kick(), bus: opts.bus })
  dispatcher.start()
  worker.start()
  return {
    service,
    dispatcher,
    worker,
    async stop() {
      dispatcher.stop()
      await worker.stop(500)
    },
  }
}
