/**
 * The composition root: the only place that builds long-lived objects, in this order:
 * env → logger → db (migrated) → event bus → login limiter → session manager (Baileys) → message
 * service (send queue) → webhooks (outbox dispatcher, delivery worker, endpoints) → retention → Next → HTTP server + Socket.IO → listen → restore saved sessions and resume
 * the send queues (each sends once its account is connected).
 * Shutdown runs in reverse on SIGTERM/SIGINT.
 */
// First: refuses a Node.js too old for the native addons below, before any of them loads.
import '@/lib/runtime-check'
import fs from 'node:fs'
import { createServer } from 'node:http'
import path from 'node:path'
import next from 'next'
import { answerBeforeNext } from '@/lib/api/guard'
import { createMemoryApiLimits } from '@/lib/api/limits'
import { AuditLog } from '@/lib/audit/log'
import { MemoryLoginLimiter } from '@/lib/auth/login-limiter'
import { PasswordCheckQueue } from '@/lib/auth/password-checks'
import { createKeyring } from '@/lib/crypto/aead'
import { hashPassword } from '@/lib/auth/password'
import { closeDb, openDb, sqliteVersion } from '@/lib/db/client'
import { countOperators, insertFirstAdmin } from '@/lib/db/operators'
import { prepareSetupToken } from '@/lib/operators/setup'
import { ConfigError, parseEnv } from '@/lib/env'
import { EventBus } from '@/lib/events/bus'
import { EventStreams } from '@/lib/events/stream'
import { stampRequestTrust } from '@/lib/http/request-trust'
import { KeyService } from '@/lib/keys/service'
import { applySecurityHeaders } from '@/lib/http/security-headers'
import { createLogger, resolveLogFormat } from '@/lib/logger'
import { installProcessPatches } from '@/lib/process-patches'
import { attachRealtime } from '@/lib/realtime/gateway'
import { RecentEvents } from '@/lib/realtime/recent-events'
import { setRuntime } from '@/lib/runtime'
import { sessionConfigFromEnv } from '@/lib/sessions/config'
import { SessionManager } from '@/lib/sessions/manager'
import { messagesConfigFromEnv } from '@/lib/messages/config'
import { MessageService } from '@/lib/messages/service'
import { mediaConfigFromEnv } from '@/lib/media/config'
import { MediaService } from '@/lib/media/service'
import { guardedLinkPreview } from '@/lib/messages/link-preview'
import { RetentionRunner } from '@/lib/messages/retention'
import { webhookConfigFromEnv } from '@/lib/webhooks/config'
import { EventDispatcher } from '@/lib/webhooks/dispatcher'
import { WebhookService } from '@/lib/webhooks/service'
import { DeliveryWorker } from '@/lib/webhooks/worker'
import { createMetrics } from '@/lib/metrics/registry'
import { registerWebhookMetrics } from '@/lib/metrics/webhooks'
import { countPendingDeliveries } from '@/lib/db/webhooks'
import { LoopDelayMonitor } from '@/lib/system/loop-delay'

const startedAt = Date.now()
process.env.NEXT_TELEMETRY_DISABLED ??= '1'

let env: ReturnType<typeof parseEnv>
try {
  env = parseEnv()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  throw err
}
if (!env.dev && !fs.existsSync(path.join(process.cwd(), '.next', 'BUILD_ID'))) {
  process.stderr.write(
    'No production build found (.next/BUILD_ID). Run `npm start` (it builds once) or `npm run build` first; `npm run dev` runs the development server.\n',
  )
  process.exit(1)
}
// Auth.js reads its secret from the environment (in route handlers and proxy.ts alike).
process.env.AUTH_SECRET = env.authSecret
process.env.AUTH_TRUST_HOST = 'true'

const logger = createLogger({ level: env.logLevel, format: env.logFormat })
logger.info({ node: process.version }, 'starting')
// Before any WhatsApp socket: libsignal's console output through the logger without key material, and
// Node 24's slow byte-key check in createHmac/createCipheriv (lib/process-patches.ts)
installProcessPatches({
  logger,
  fastBufferKeys: env.fastBufferKeys,
  jsonLogs: resolveLogFormat(env.logFormat, process.stdout.isTTY) === 'json',
})
for (const name of env.generated) {
  logger.warn(
    { variable: name, file: path.join(env.dataDir, name === 'AUTH_SECRET' ? 'auth-secret' : 'encryption-key') },
    'generated a new secret (file mode 0600); back it up with the data directory',
  )
}
const version = (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version

const db = openDb(env.dbFile)
logger.info({ file: env.dbFile, sqlite: sqliteVersion(db) }, 'database ready')

if (env.adminEmail && env.adminPassword && countOperators({ db }) === 0) {
  const op = insertFirstAdmin({ db, email: env.adminEmail, name: 'Admin', passwordHash: await hashPassword(env.adminPassword) })
  if (op) logger.info({ email: op.email }, 'created the first admin from ADMIN_EMAIL')
}

const bus = new EventBus(logger)
// Numbers every domain event from the first one on, so pages can resume from a position (lib/realtime/recent-events.ts).
const recentEvents = new RecentEvents(bus)
const loginLimiter = new MemoryLoginLimiter()
const passwordChecks = await PasswordCheckQueue.create()
const keyring = createKeyring({ current: env.encryptionKey, previous: env.previousEncryptionKeys })
const sessions = new SessionManager({ db, bus, logger, keyring, config: sessionConfigFromEnv(env) })
const keys = new KeyService({ db, envKey: env.gatewayApiKey })
const apiLimits = createMemoryApiLimits(env.apiLimits)
const audit = new AuditLog({ db })
const media = new MediaService({ db, bus, logger, sessions, config: mediaConfigFromEnv(env) })
const messages = new MessageService({
  db,
  bus,
  logger,
  sessions,
  media,
  config: messagesConfigFromEnv(env),
  linkPreview: guardedLinkPreview({ allowedCidrs: env.messages.previewAllowedCidrs }, logger),
})
const webhookConfig = webhookConfigFromEnv(env)
const metrics = createMetrics({ db, bus, version })
const webhookWorker = new DeliveryWorker({
  db,
  keyring,
  logger,
  config: webhookConfig,
  userAgent: `wa-gateway/${version}`,
  metrics: registerWebhookMetrics(metrics.registry, { backlog: () => countPendingDeliveries({ db }) }),
  bus,
})
const dispatcher = new EventDispatcher({
  db,
  bus,
  logger,
  onDeliveries: () => webhookWorker.kick(),
  firstDelayMs: webhookConfig.retry.scheduleMs[0] ?? 0,
})
const webhooks = new WebhookService({ db, keyring, config: webhookConfig, onDeliveries: () => webhookWorker.kick(), bus })
const retention = new RetentionRunner({ db, logger, days: env.messageRetentionDays })
const eventStreams = new EventStreams({
  db,
  logger,
  config: { ...env.eventStreams, retentionDays: env.messageRetentionDays, retryMs: 2_000 },
})
const loopDelay = new LoopDelayMonitor()

const nextApp = next({ dev: env.dev, hostname: env.host, port: env.port, dir: process.cwd() })
const handle = nextApp.getRequestHandler()
await nextApp.prepare()

const httpServer = createServer((req, res) => {
  applySecurityHeaders(req, res, { dev: env.dev, trustProxy: env.trustProxy })
  stampRequestTrust(req, env.trustProxy)
  if (answerBeforeNext(req, res)) return
  void handle(req, res)
})
const realtime = attachRealtime({
  httpServer,
  bus,
  recent: recentEvents,
  db,
  logger,
  authSecret: env.authSecret,
  trustProxy: env.trustProxy,
})

setRuntime({
  env,
  logger,
  db,
  bus,
  loginLimiter,
  passwordChecks,
  sessions,
  keys,
  apiLimits,
  audit,
  messages,
  webhooks,
  media,
  metrics,
  loopDelay,
  recentEvents,
  eventStreams,
  version,
  startedAt,
})

await new Promise<void>((resolve, reject) => {
  httpServer.once('error', reject)
  httpServer.listen(env.port, env.host, resolve)
})
const address = httpServer.address()
const port = typeof address === 'object' && address ? address.port : env.port
const url = `http://${env.host.includes(':') ? `[${env.host}]` : env.host}:${port}`
logger.info({ url, port, dev: env.dev, version, startupMs: Date.now() - startedAt }, 'gateway ready')
prepareSetupToken({ db, dataDir: env.dataDir, logger, url })
// Events committed before a crash are fanned out first; deliveries whose lease ran out are retried.
dispatcher.start()
webhookWorker.start()
retention.start()
// Queues resume before the sessions reconnect, so each account's owed messages go out on its `connected`.
messages.start()
media.start()
void sessions.restore().catch((err: unknown) => logger.error({ err }, 'restoring sessions failed'))

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  const force = setTimeout(() => httpServer.closeAllConnections(), 10_000)
  force.unref()
  // Stop accepting; in-flight requests finish; idle keep-alive connections are closed now.
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
  httpServer.closeIdleConnections()
  eventStreams.close() // open event streams end; their clients resume with Last-Event-ID after the restart
  await messages.stop() // the send in flight finishes; queued messages stay for the next start
  media.stop()
  await sessions.shutdown() // WhatsApp sockets close without logging out
  await retention.stop()
  dispatcher.run() // what the last writes recorded is fanned out before the worker stops
  dispatcher.stop()
  await webhookWorker.stop() // attempts in flight finish (or are aborted and their leases released)
  await realtime.close()
  await closed
  metrics.close()
  loopDelay.stop()
  recentEvents.close()
  clearTimeout(force)
  setRuntime(undefined)
  closeDb(db)
  logger.info('stopped')
  logger.flush()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
