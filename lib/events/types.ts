import type { MessageView } from '@/lib/messages/views'
import type { AttemptView, DeliverySummary, WebhookView } from '@/lib/webhooks/views'
import type { EventType, MessageStatus, SessionStatus } from '@/lib/db/schema'

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
  /** writing to the message log failed: the messages are not stored (the session logs the error) */
  'messages.store_failed': { accountId: string; count: number; error: string; at: number }
  'operator.changed': { operatorId: number; change: OperatorChange }
  'operator.session_ended': { operatorId: number; sessionId: string; reason: 'signed_out' }
  /**
   * The dispatcher fanned out a batch of outbox events (their transaction committed): the newest id of
   * the batch and how many. A wake-up for readers of the outbox (the dashboard's monitor feed reads
   * the events themselves), so the payloads are not parsed for it.
   */
  'event.committed': { lastId: string; count: number }
  /**
   * Operational, not an outbox event: a webhook delivery was created, attempted (and will be retried),
   * succeeded, failed for good, or replayed. Never the event body, a secret or a custom header's value;
   * `attempt` is the attempt that changed it, `webhook` the endpoint's state after it (health counters).
   */
  'webhook.delivery': {
    change: WebhookDeliveryChange
    /** the endpoint's account (null: a gateway-wide endpoint) */
    accountId: string | null
    delivery: DeliverySummary
    attempt: AttemptView | null
    webhook: WebhookView | null
  }
  /** Operational: an endpoint was created, changed (settings, secret rotation, enabled), disabled after failures, or deleted. */
  'webhook.endpoint': { change: WebhookEndpointChange; accountId: string | null; webhookId: string; webhook: WebhookView | null }
}

export type WebhookDeliveryChange = 'created' | 'attempted' | 'succeeded' | 'failed' | 'replayed'
export type WebhookEndpointChange = 'created' | 'updated' | 'disabled' | 'deleted'

export type DomainEventName = keyof DomainEvents

/** A reaction as an event reports it: who reacted to which message with what (empty emoji: removed). */
export type ReactionChange = { messageId: string; from: string; emoji: string; at: number }

/**
 * The data of each outbox event type: what webhooks deliver and the dashboard reads. Linking material
 * (QR codes, pairing codes) is not among them and never leaves the gateway this way.
 */
export type EventDataMap = {
  /** a message from a contact entered the log */
  'message.received': { message: MessageView }
  /** one of the account's messages went out (through the API or from the phone) */
  'message.sent': { message: MessageView }
  /** one of the account's messages moved forward: delivered, read, played, failed or cancelled */
  'message.status': { message: MessageView; status: MessageStatus }
  'message.edited': { message: MessageView }
  /** deleted for everyone: the message keeps its place, without its content */
  'message.deleted': { message: MessageView }
  /** a reaction was set or removed; `message` is the target as it is now (null when not in the log) */
  'message.reaction': { message: MessageView | null; reaction: ReactionChange }
  'account.status': { status: SessionStatus; reason: string | null; account: AccountSummary }
  'account.created': { account: AccountSummary }
  'account.deleted': { accountId: string }
  /** sent by POST /webhooks/{id}/test only */
  'webhook.test': { webhookId: string; message: string }
}

/** One outbox event as delivered: `id` is a ULID (the Standard Webhooks `webhook-id`), `timestamp` ISO 8601. */
export type OutboxEventOf<T extends EventType> = { id: string; type: T; accountId: string | null; timestamp: string; data: EventDataMap[T] }
export type OutboxEvent = { [T in EventType]: OutboxEventOf<T> }[EventType]
