import type { Env } from '@/lib/env'
import { DEFAULT_POLICY, type ReconnectPolicyConfig } from './policy'

export type SessionConfig = {
  /** WhatsApp Web WebSocket URL; unset = the real WhatsApp */
  wsUrl?: string
  policy: ReconnectPolicyConfig
  /** a socket still `connecting` after this long (no QR, no open, no close) is ended and retried */
  watchdogMs: number
  /** automatic logins (restore, backoff retries) in flight at once across all accounts (LoginGate) */
  loginConcurrency: number
  /** how long a pairing-code request waits for WhatsApp to hand out the code */
  pairingTimeoutMs: number
  /** Baileys timeouts; undefined keeps Baileys' defaults */
  connectTimeoutMs?: number
  keepAliveIntervalMs?: number
  qrTimeoutMs?: number
  /** Baileys' own logs are noisy: they get their own level */
  baileysLogLevel: string
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = {
  policy: DEFAULT_POLICY,
  watchdogMs: 30_000,
  loginConcurrency: 16,
  pairingTimeoutMs: 30_000,
  baileysLogLevel: 'warn',
}

export function sessionConfigFromEnv(env: Pick<Env, 'waWsUrl' | 'sessions'>): SessionConfig {
  const s = env.sessions
  return {
    wsUrl: env.waWsUrl,
    policy: {
      ...DEFAULT_POLICY,
      baseDelayMs: s.reconnectBaseMs,
      maxDelayMs: s.reconnectMaxMs,
      maxAttempts: s.reconnectMaxAttempts,
      maxConflicts: s.conflictMaxAttempts,
    },
    watchdogMs: s.watchdogMs,
    loginConcurrency: s.loginConcurrency,
    pairingTimeoutMs: DEFAULT_SESSION_CONFIG.pairingTimeoutMs,
    connectTimeoutMs: s.waConnectTimeoutMs,
    keepAliveIntervalMs: s.waKeepAliveMs,
    qrTimeoutMs: s.waQrTimeoutMs,
    baileysLogLevel: s.waLogLevel,
  }
}
