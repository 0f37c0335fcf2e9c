import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Env, parseEnv } from '@/lib/env'
import { createGateway, type Gateway, type GatewayTuning, mergeTuning } from '@/lib/gateway'
import type { SessionConfig } from '@/lib/sessions/config'
import type { WebhookConfig } from '@/lib/webhooks/config'

/** Fast session policy so failure paths finish in seconds; the logic is the production one. */
export const FAST_SESSIONS: Partial<SessionConfig> = {
  policy: { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 5, maxConflicts: 3, jitter: 0 },
  watchdogMs: 1500,
  pairingTimeoutMs: 10_000,
  baileysLogLevel: 'silent',
}

/** Short webhook timings: the production logic, minutes turned into milliseconds. */
export const FAST_WEBHOOKS: Partial<WebhookConfig> = {
  policy: { allowedCidrs: ['127.0.0.0/8'], allowHttp: true, forbiddenCode: 'webhook_url_forbidden' },
  timeoutMs: 400,
  retry: { scheduleMs: [0, 100, 150, 200, 250], jitter: 0, disableAfterMs: 3_600_000, maxRetryAfterMs: 5000 },
  concurrency: 16,
  leaseMs: 2000,
  rotationOverlapMs: 60_000,
  stopGraceMs: 500,
}

/**
 * What the in-process tests tune by default: the fast policies above, a send queue without pacing
 * (tests send back to back) that pauses an account after 2 restrictions, and no link previews (test
 * texts name hosts nobody serves).
 */
export const TEST_TUNING: GatewayTuning = {
  sessions: FAST_SESSIONS,
  webhooks: FAST_WEBHOOKS,
  messages: { pacing: { minGapMs: 0, perMinute: 0 }, restriction: { pauseAfter: 2, pauseMs: 60_000 } },
  linkPreview: false,
}

/**
 * The environment of an in-process test gateway: its own data folder, fresh secrets, quiet logs, and
 * every outside address on loopback (the simulator's, or a closed port when a test needs no WhatsApp).
 */
export function testEnv(dir: string, vars: Record<string, string> = {}): Env {
  return parseEnv({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // not json: with JSON logs the gateway turns every console line of the process into a log line
    // (lib/process-patches.ts), which would swallow a test's own console output at level silent
    LOG_FORMAT: 'pretty',
    AUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
    WA_WS_URL: 'ws://127.0.0.1:9/ws/chat',
    ALLOW_CUSTOM_WA_URL: '1',
    ...vars,
  })
}

/**
 * A whole gateway (lib/gateway.ts, as server.ts builds it, without HTTP) in this process on a fresh
 * data folder; `close()` stops it and removes the folder.
 */
export async function startTestGateway(
  opts: { vars?: Record<string, string>; tune?: GatewayTuning; restoreSessions?: boolean } = {},
): Promise<{ gw: Gateway; dir: string; env: Env; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-test-'))
  const env = testEnv(dir, opts.vars)
  const gw = await createGateway({ env, tune: mergeTuning(TEST_TUNING, opts.tune) })
  gw.start({ restoreSessions: opts.restoreSessions ?? false })
  return {
    gw,
    dir,
    env,
    async close() {
      await gw.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
