import type { ApiLimits } from '@/lib/api/limits'
import type { AuditLog } from '@/lib/audit/log'
import type { LoginLimiter } from '@/lib/auth/login-limiter'
import type { PasswordChecks } from '@/lib/auth/password-checks'
import type { DB } from '@/lib/db/client'
import type { Env } from '@/lib/env'
import type { EventBus } from '@/lib/events/bus'
import type { KeyService } from '@/lib/keys/service'
import type { Logger } from '@/lib/logger'
import type { MediaService } from '@/lib/media/service'
import type { MessageService } from '@/lib/messages/service'
import type { EventStreams } from '@/lib/events/stream'
import type { RecentEvents } from '@/lib/realtime/recent-events'
import type { GatewayMetrics } from '@/lib/metrics/registry'
import type { LoopDelayMonitor } from '@/lib/system/loop-delay'
import type { SessionManager } from '@/lib/sessions/manager'
import type { WebhookService } from '@/lib/webhooks/service'

/**
 * The long-lived objects built by server.ts (the composition root). Next loads its own copy of
 * lib/ modules, so module-level singletons are not shared with server.ts: route handlers, server
 * components and actions reach these through a globalThis slot instead.
 */
export type Runtime = {
  env: Env
  logger: Logger
  db: DB
  bus: EventBus
  loginLimiter: LoginLimiter
  passwordChecks: PasswordChecks
  sessions: SessionManager
  keys: KeyService
  apiLimits: ApiLimits
  audit: AuditLog
  /** sending and reading messages (the message routes) */
  messages: MessageService
  /** webhook endpoints, deliveries, replay (the webhook routes) */
  webhooks: WebhookService
  /** uploads and the media of messages (the media routes) */
  media: MediaService
  /** Prometheus metrics (GET /metrics); other modules register into metrics.registry */
  metrics: GatewayMetrics
  /** this process's recent event-loop delay (the System page) */
  loopDelay: LoopDelayMonitor
  /** the numbered recent domain events: pages render with their position and resume from it */
  recentEvents: RecentEvents
  /** the outbox as Server-Sent Events and pages (GET /events, /events/stream) */
  eventStreams: EventStreams
  version: string
  startedAt: number
}

const SLOT = Symbol.for('wa-gateway.runtime')
type Slot = { [SLOT]?: Runtime }

export function setRuntime(runtime: Runtime | undefined): void {
  ;(globalThis as Slot)[SLOT] = runtime
}

export function getRuntime(): Runtime {
  const rt = (globalThis as Slot)[SLOT]
  if (!rt) throw new Error('gateway runtime not initialised: start the app with server.ts (npm start / npm run dev)')
  return rt
}
