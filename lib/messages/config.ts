import type { Env } from '@/lib/env'
import { DEFAULT_MESSAGES_CONFIG, type MessagesConfig } from './service'

export function messagesConfigFromEnv(env: Pick<Env, 'messages'>): MessagesConfig {
  const m = env.messages
  return {
    pacing: { minGapMs: m.minGapMs, perMinute: m.perMinute },
    restriction: { pauseAfter: m.restrictedPauseAfter, pauseMs: m.restrictedPauseMs },
    idempotencyTtlMs: DEFAULT_MESSAGES_CONFIG.idempotencyTtlMs,
    queueLimit: m.queueLimit,
  }
}
