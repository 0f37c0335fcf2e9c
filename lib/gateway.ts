/**
 * The composition root: the one place that builds the gateway's long-lived objects, starts them and
 * stops them. server.ts, the crash test's core process, the integration-test harnesses and the
 * benchmarks all build their gateway here, so what they test and measure is what production runs.
 *
 * Order of construction: process-wide patches → database (migrated) → first admin → event bus and the
 * numbered recent events → login limiter, password checks, keyring → session manager (Baileys) → keys,
 * API limits, audit → media → messages (send queue) → metrics → webhooks (worker, dispatcher, service)
 * → retention → event streams → loop-delay monitor. `start()` starts the background work; `stop()`
 * undoes everything in reverse.
 */
import fs from 'node:fs'
import type { Server as HttpServer } from 'node:http'
import path from 'node:path'
import { createMemoryApiLimits } from '@/lib/api/limits'
import { AuditLog } from '@/lib/audit/log'
import { MemoryLoginLimiter } from '@/lib/auth/login-limiter'
import { PasswordCheckQueue } from '@/lib/auth/password-checks'
import { hashPassword } from '@/lib/auth/password'
import { createKeyring, type Keyring } from '@/lib/crypto/aead'
import { closeDb, openDb, sqliteVersion } from '@/lib/db/client'
import { countOperators, insertFirstAdmin } from '@/lib/db/operators'
import { countPendingDeliveries } from '@/lib/db/webhooks'
import type { Env } from '@/lib/env'
import { EventBus } from '@/lib/events/bus'
import { EventStreams } from '@/lib/events/stream'
import { createLogger, type Logger, resolveLogFormat } from '@/lib/logger'
import { mediaConfigFromEnv } from '@/lib/media/config'
import { type MediaConfig, MediaService } from '@/lib/media/service'
import { messagesConfigFromEnv } from '@/lib/messages/config'
import { guardedLinkPreview } from '@/lib/messages/link-preview'
import { RetentionRunner } from '@/lib/messages/retention'
import { type MessagesConfig, MessageService } from '@/lib/messages/service'
import { createMetrics } from '@/lib/metrics/registry'
import { registerWebhookMetrics } from '@/lib/metrics/webhooks'
import { installProcessPatches, type ProcessPatches } from '@/lib/process-patches'
import { attachRealtime } from '@/lib/realtime/gateway'
import { RecentEvents } from '@/lib/realtime/recent-events'
import type { Runtime } from '@/lib/runtime'
import { type SessionConfig, sessionConfigFromEnv } from '@/lib/sessions/config'
import { SessionManager } from '@/lib/sessions/manager'
import { LoopDelayMonitor } from '@/lib/system/loop-delay'
import { type WebhookConfig, webhookConfigFromEnv } from '@/lib/webhooks/config'
import { EventDispatcher } from '@/lib/webhooks/dispatcher'
import { WebhookService } from '@/lib/webhooks/service'
import { DeliveryWorker } from '@/lib/webhooks/worker'
import { KeyService } from '@/lib/keys/service'

/**
 * Settings finer than environment variables express, for tests and benchmarks: millisecond timings
 * of a retry policy, a clock that can jump. Each part is laid over what the environment gives.
 * Production (server.ts) passes none.
 */
export type GatewayTuning = {
  sessions?: Partial<SessionConfig>
  messages?: Partial<MessagesConfig>
  media?: Partial<MediaConfig>
  webhooks?: Partial<WebhookConfig>
  /** link previews of sent texts; false turns them off (tests whose texts name hosts nobody serves) */
  linkPreview?: boolean
  /** the clock of upload expiry (tests move it forward) */
  now?: () => number
}

/** `over` laid over `base`, part by part (a test's or benchmark's tuning over its defaults). */
export function mergeTuning(base: GatewayTuning, over: GatewayTuning = {}): GatewayTuning {
  return {
    ...base,
    ...over,
    sessions: { ...base.sessions, ...over.sessions },
    messages: { ...base.messages, ...over.messages },
    media: { ...base.media, ...over.media },
    webhooks: { ...base.webhooks, ...over.webhooks },
  }
}

export type GatewayOptions = {
  env: Env
  /** defaults to a logger at env.logLevel in env.logFormat */
  logger?: Logger
  tune?: GatewayTuning
  /** the gateway's version (metrics, the webhook User-Agent); defaults to package.json's */
  version?: string
}

export type Gateway = Runtime & {
  keyring: Keyring
  dispatcher: EventDispatcher
  webhookWorker: DeliveryWorker
  retention: RetentionRunner
  /** which process-wide work-arounds engaged (lib/process-patches.ts) */
  patches: ProcessPatches
  /**
   * Starts the background work: the outbox fan-out and delivery (events committed before a crash go
   * out first), retention, the send queues and media sweeps, then restores the saved sessions (unless
   * `restoreSessions: false`; benchmarks time `sessions.restore()` themselves). Queues resume before
   * the sessions reconnect, so each account's owed messages go out on its `connected`.
   */
  start(opts?: { restoreSessions?: boolean }): void
  /** The live dashboard feed (Socket.IO) on the HTTP server that serves the dashboard. */
  attachRealtime(httpServer: HttpServer): void
  /** Stops everything in reverse order and closes the database. Safe to call twice. */
  stop(): Promise<void>
}

function packageVersion(): string {
  const file = path.join(process.cwd(), 'package.json')
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version
}

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const startedAt = Date.now()
  const { env, tune = {} } = opts
  const logger = opts.logger ?? createLogger({ level: env.logLevel, format: env.logFormat })
  const version = opts.version ?? packageVersion()
  // Before any WhatsApp socket: libsignal's console output through the logger without key material,
  // and Node 24's slow byte-key check in createHmac/createCipheriv (lib/process-patches.ts).
  const patches = installProcessPatches({
    logger,
    fastBufferKeys: env.fastBufferKeys,
    jsonLogs: resolveLogFormat(env.logFormat, process.stdout.isTTY) === 'json',
  })

  const db = openDb(env.dbFile)
  logger.info({ file: env.dbFile, sqlite: sqliteVersion(db) }, 'database ready')
  if (env.adminEmail && env.adminPassword && countOperators({ db }) === 0) {
    const op = insertFirstAdmin({ db, email: env.adminEmail, name: 'Admin', passwordHash: await hashPassword(env.adminPassword) })
    if (op) logger.info({ email: op.email }, 'created the first admin from ADMIN_EMAIL')
  }

  const bus = new EventBus(logger)
  // Numbers every domain event from the first one on, so pages can resume from a position.
  const recentEvents = new RecentEvents(bus)
  const loginLimiter = new MemoryLoginLimiter()
  const passwordChecks = await PasswordCheckQueue.create()
  const keyring = createKeyring({ current: env.encryptionKey, previous: env.previousEncryptionKeys })
  const sessions = new SessionManager({ db, bus, logger, keyring, config: { ...sessionConfigFromEnv(env), ...tune.sessions } })
  const keys = new KeyService({ db, envKey: env.gatewayApiKey })
  const apiLimits = createMemoryApiLimits(env.apiLimits)
  const audit = new AuditLog({ db })
  const media = new MediaService({
    db,
    bus,
    logger,
    sessions,
    config: { ...mediaConfigFromEnv(env), ...tune.media },
    now: tune.now,
  })
  const messages = new MessageService({
    db,
    bus,
    logger,
    sessions,
    media,
    config: { ...messagesConfigFromEnv(env), ...tune.messages },
    linkPreview: tune.linkPreview === false ? undefined : guardedLinkPreview({ allowedCidrs: env.messages.previewAllowedCidrs }, logger),
  })
  const metrics = createMetrics({ db, bus, version })
  const webhookConfig: WebhookConfig = { ...webhookConfigFromEnv(env), ...tune.webhooks }
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

  let realtime: { close(): Promise<void> } | undefined
  let started = false
  let stopped: Promise<void> | undefined

  async function stopAll(): Promise<void> {
    eventStreams.close() // open event streams end; their clients resume with Last-Event-ID after a restart
    if (started) {
      await messages.stop() // the send in flight finishes; queued messages stay for the next start
      media.stop()
    }
    await sessions.shutdown() // WhatsApp sockets close without logging out
    if (started) {
      await retention.stop()
      dispatcher.run() // what the last writes recorded is fanned out before the worker stops
      dispatcher.stop()
      await webhookWorker.stop(webhookConfig.stopGraceMs) // attempts in flight finish (or are aborted and their leases released)
    }
    await realtime?.close()
    metrics.close()
    loopDelay.stop()
    recentEvents.close()
    closeDb(db)
  }

  return {
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
    keyring,
    dispatcher,
    webhookWorker,
    retention,
    patches,
    start({ restoreSessions = true } = {}) {
      if (started) return
      started = true
      dispatcher.start()
      webhookWorker.start()
      retention.start()
      messages.start()
      media.start()
      if (restoreSessions) void sessions.restore().catch((err: unknown) => logger.error({ err }, 'restoring sessions failed'))
    },
    attachRealtime(httpServer) {
      realtime = attachRealtime({
        httpServer,
        bus,
        recent: recentEvents,
        db,
        logger,
        authSecret: env.authSecret,
        trustProxy: env.trustProxy,
      })
    },
    stop() {
      stopped ??= stopAll()
      return stopped
    },
  }
}
