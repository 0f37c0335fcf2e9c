/**
 * The outbox's event type names: the schema stores them (lib/db), the API, the webhook rules and the
 * browser's forms read them. Part of lib/vocabulary, which imports nothing (docs/architecture.md).
 */

/** What a webhook endpoint may subscribe to: every domain event the outbox records. */
export const SUBSCRIBABLE = [
  'message.received',
  'message.sent',
  'message.status',
  'message.edited',
  'message.deleted',
  'message.reaction',
  'account.status',
  'account.created',
  'account.deleted',
] as const
export type SubscribableEvent = (typeof SUBSCRIBABLE)[number]

/**
 * The events whose data is a message (its text, caption, sender, chat): whoever receives them reads
 * messages, so subscribing an endpoint to them needs `messages:read` as well as `webhooks:manage`.
 * Every `message.*` event carries the whole message view, even a status change or a delete.
 */
export type MessageContentEvent = Extract<SubscribableEvent, `message.${string}`>
export const MESSAGE_CONTENT_EVENTS: readonly MessageContentEvent[] = SUBSCRIBABLE.filter((t): t is MessageContentEvent =>
  t.startsWith('message.'),
)

/** Every type an outbox event may have: the subscribable ones, and `webhook.test` (sent only by the test operation). */
export const EVENT_TYPES = [...SUBSCRIBABLE, 'webhook.test'] as const
export type EventType = (typeof EVENT_TYPES)[number]
