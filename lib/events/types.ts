import type { MessageView } from '@/lib/db/message-views'
import type { SessionStatus } from '@/lib/db/schema'

/** Domain events: the one vocabulary shared by sessions, the realtime gateway and (later) webhooks. */
export type AccountSummary = {
  id: string
  name: string
  phone: string | null
  jid: string | null
  lid: string | null
  pushName: string | null
  status: SessionStatus
  statusReason: string | null
  statusAt: number
  reconnectAttempts: number
  lastError: string | null
  createdAt: number
}

export type QrPayload = { accountId: string; qr: string; image: string; expiresAt: number }

/** Why an operator's open sessions may have to end (the realtime gateway re-checks its sockets). */
export type OperatorChange = 'disabled' | 'enabled' | 'role' | 'password' | 'removed'

export type DomainEvents = {
  'account.created': { account: AccountSummary }
  'account.updated': { account: AccountSummary }
  'account.deleted': { accountId: string }
  'account.status': { accountId: string; status: SessionStatus; reason: string | null; at: number; account: AccountSummary }
  'account.qr': QrPayload
  'account.qr_cleared': { accountId: string }
  'account.pairing_code': { accountId: string; code: string; phone: string; expiresAt: number }
  /** a message entered the log (sent through the API, or seen on WhatsApp) */
  'message.created': { accountId: string; message: MessageView }
  /** a logged message changed: status, edit, delete, a reaction on it */
  'message.updated': { accountId: string; message: MessageView }
  /** an account's send queue paused (repeated restrictions) or resumed */
  'messages.queue': { accountId: string; paused: boolean; reason: string | null; pausedUntil: number | null }
  'operator.changed': { operatorId: number; change: OperatorChange }
  'operator.session_ended': { operatorId: number; sessionId: string; reason: 'signed_out' }
}

export type DomainEventName = keyof DomainEvents
