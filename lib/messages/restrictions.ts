import type { DB } from '@/lib/db/client'
import { getQueueRow, saveQueueRow } from '@/lib/db/send-queue'
import type { EventBus } from '@/lib/events/bus'
import type { Logger } from '@/lib/logger'
import { decideOnOutcome, type RestrictionConfig } from './pacing'
import type { MessageView } from './types'

/**
 * Counts an account's consecutive restrictions from WhatsApp's answers to its messages, and pauses
 * its send queue when they repeat (what a burned-through queue would cost is a ban). A delivery of a
 * message sent after the last refusal proves the account reaches people again and ends the streak;
 * receipts of older messages arriving late prove nothing. The rules are pacing.ts' decideOnOutcome.
 */
export function noteSendOutcome(
  deps: { db: DB; bus: EventBus; log: Logger; config: RestrictionConfig; now: number },
  accountId: string,
  message: MessageView,
): void {
  if (message.direction !== 'out') return
  const failed = message.status === 'failed' && message.errorCode !== null
  if (!failed && message.status !== 'delivered') return
  const { db, now } = deps
  const row = getQueueRow({ db, accountId })
  const restrictions = row?.restrictions ?? 0
  if (!failed && (restrictions === 0 || (message.sentAt ?? 0) <= (row?.restrictedAt ?? 0))) return
  const decision = decideOnOutcome({ code: failed ? message.errorCode : null, restrictions, now }, deps.config)
  if (decision.restrictions === restrictions && !decision.pause) return
  saveQueueRow({
    db,
    accountId,
    patch: {
      restrictions: decision.restrictions,
      ...(failed && decision.restrictions > restrictions ? { restrictedAt: now } : {}),
      ...(decision.pause ? { pausedUntil: decision.pause.until, pauseReason: decision.pause.reason } : {}),
    },
  })
  if (decision.pause) {
    deps.log.warn({ accountId, until: decision.pause.until, restrictions: decision.restrictions }, 'send queue paused: account restricted')
    deps.bus.emit('messages.queue', { accountId, paused: true, reason: decision.pause.reason, pausedUntil: decision.pause.until })
  }
}
