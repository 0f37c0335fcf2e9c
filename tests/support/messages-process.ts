/**
 * A gateway core in its own process for tests that must really kill it (SIGKILL): the same
 * composition as server.ts — database, event bus, session manager, message service — without Next.
 * Commands arrive as JSON lines on stdin, events leave as JSON lines on stdout.
 *
 *   node --import tsx tests/support/messages-process.ts
 *   env: DB_FILE, ENCRYPTION_KEY (hex), WA_WS_URL, SEND_MIN_GAP_MS; webhooks: WEBHOOK_ALLOWED_CIDRS, WEBHOOK_LEASE_MS;
 *        logs (JSON lines on stdout, read as events): TEST_LOG_LEVEL, CORE_BAILEYS_LOG_LEVEL
 *   in:  {"cmd":"create","id"} {"cmd":"connect","id"} {"cmd":"send","id","to","count","prefix"} {"cmd":"webhook","url"}
 *   out: {"event":"ready"} {"event":"qr","qr"} {"event":"status","accountId","status"} {"event":"accepted","ids"}
 *        {"event":"webhook","id","secret"}
 */
import readline from 'node:readline'
import { createKeyring } from '@/lib/crypto/aead'
import { closeDb, openDb } from '@/lib/db/client'
import { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import { MessageService } from '@/lib/messages/service'
import { DEFAULT_SESSION_CONFIG } from '@/lib/sessions/config'
import { SessionManager } from '@/lib/sessions/manager'
import { parseCidrs } from '@/lib/net/outbound'
import { EventDispatcher } from '@/lib/webhooks/dispatcher'
import { WebhookService } from '@/lib/webhooks/service'
import { DeliveryWorker } from '@/lib/webhooks/worker'

const out = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)
const env = (name: string): string => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required`)
  return v
}

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const db = openDb(env('DB_FILE'))
const bus = new EventBus(logger)
const keyring = createKeyring({ current: Buffer.from(env('ENCRYPTION_KEY'), 'hex') })
const sessions = new SessionManager({
  db,
  bus,
  logger,
  keyring,
  config: {
    ...DEFAULT_SESSION_CONFIG,
    wsUrl: env('WA_WS_URL'),
    baileysLogLevel: process.env.CORE_BAILEYS_LOG_LEVEL ?? 'silent',
    watchdogMs: 5000,
  },
})
const messages = new MessageService({
  db,
  bus,
  logger,
  sessions,
  config: {
    pacing: { minGapMs: Number(process.env.SEND_MIN_GAP_MS ?? 0), perMinute: 0 },
    restriction: { pauseAfter: 3, pauseMs: 3_600_000 },
    idempotencyTtlMs: 86_400_000,
  },
})
// the webhook pieces as server.ts wires them (short timings; a short lease so a killed worker's deliveries come back soon)
const webhookConfig = {
  policy: { allowedCidrs: parseCidrs(process.env.WEBHOOK_ALLOWED_CIDRS), allowHttp: true, forbiddenCode: 'webhook_url_forbidden' as const },
  timeoutMs: 2000,
  retry: { scheduleMs: [0, 200, 500, 1000, 2000, 2000, 2000, 2000], jitter: 0.2, disableAfterMs: 3_600_000, maxRetryAfterMs: 5000 },
  concurrency: 16,
  leaseMs: Number(process.env.WEBHOOK_LEASE_MS ?? 3000),
  rotationOverlapMs: 60_000,
}
const worker = new DeliveryWorker({ db, keyring, logger, config: webhookConfig, userAgent: 'wa-gateway/test' })
const dispatcher = new EventDispatcher({ db, bus, logger, onDeliveries: () => worker.kick(), firstDelayMs: 0 })
const webhooks = new WebhookService({ db, keyring, config: webhookConfig, onDeliveries: () => worker.kick() })
dispatcher.start()
worker.start()
bus.on('account.qr', (e) => out({ event: 'qr', accountId: e.accountId, qr: e.qr }))
bus.on('account.status', (e) => out({ event: 'status', accountId: e.accountId, status: e.status }))
messages.start()
void sessions.restore()

type Command = { cmd: string; id: string; to?: string; count?: number; prefix?: string; url?: string }
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command
  void (async () => {
    if (c.cmd === 'create') sessions.create({ id: c.id, name: c.id })
    if (c.cmd === 'webhook') {
      const { webhook, secret } = webhooks.create(null, { url: c.url ?? '', events: ['message.received'] })
      out({ event: 'webhook', id: webhook.id, secret })
    }
    if (c.cmd === 'connect') await sessions.connect(c.id)
    if (c.cmd === 'send') {
      const ids: string[] = []
      for (let i = 0; i < (c.count ?? 1); i++) {
        const m = await messages.send(c.id, {
          to: c.to ?? '',
          type: 'text',
          text: { body: `${c.prefix ?? 'm'}${String(i).padStart(3, '0')}` },
        })
        ids.push(m.id)
      }
      out({ event: 'accepted', ids })
    }
  })().catch((err: unknown) => out({ event: 'error', message: err instanceof Error ? err.message : String(err) }))
})

process.once('SIGTERM', () => {
  void (async () => {
    await messages.stop()
    await sessions.shutdown()
    dispatcher.run()
    dispatcher.stop()
    await worker.stop()
    closeDb(db)
    process.exit(0)
  })()
})
out({ event: 'ready' })
