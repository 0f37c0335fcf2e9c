import { z } from 'zod'
import type { EventType } from '@/lib/vocabulary/event-types'
import { MESSAGE_DIRECTIONS, MESSAGE_STATUSES, SESSION_STATUSES } from '@/lib/vocabulary/statuses'
import { Account } from './accounts'

/**
 * The outbox events as webhooks receive them (the OpenAPI document's `webhooks` section). Their
 * TypeScript twin is lib/events/types.ts (EventDataMap); the test in lib/api/openapi.test.ts parses
 * real events with these schemas.
 */
const ms = (description: string) =>
  z
    .number()
    .int()
    .meta({ description: `${description} (milliseconds since the epoch)` })

export const EventMessage = z
  .object({
    id: z.string().meta({ description: 'the gateway id (msg_…)' }),
    waMessageId: z.string(),
    accountId: z.string(),
    chat: z.object({ jid: z.string(), phone: z.string().nullable(), lid: z.string().nullable(), name: z.string().nullable() }),
    direction: z.enum(MESSAGE_DIRECTIONS),
    from: z.string().nullable().meta({ description: 'the sender of an incoming message; null for the account’s own' }),
    type: z.string().meta({ examples: ['text', 'image', 'location', 'contacts', 'reaction'] }),
    text: z.string().nullable(),
    content: z.unknown().meta({ description: 'the kind’s fields, e.g. {"text": {"body": "…"}}' }),
    context: z.object({ messageId: z.string().nullable(), waMessageId: z.string() }).nullable(),
    reactions: z.array(z.object({ from: z.string(), emoji: z.string(), at: z.number().int() })),
    status: z.enum(MESSAGE_STATUSES),
    statusReason: z.string().nullable(),
    errorCode: z.number().int().nullable(),
    timestamp: ms('WhatsApp’s time of the message'),
    createdAt: ms('stored'),
    updatedAt: ms('last change'),
    sentAt: z.number().int().nullable(),
    deliveredAt: z.number().int().nullable(),
    readAt: z.number().int().nullable(),
    editedAt: z.number().int().nullable(),
    deletedAt: z.number().int().nullable(),
  })
  .meta({ id: 'EventMessage' })

const envelope = <T extends EventType, D extends z.ZodType>(type: T, data: D, description: string) =>
  z
    .object({
      id: z.string().meta({ description: 'ULID; also the webhook-id header, the same on every retry and replay' }),
      type: z.literal(type),
      accountId: z.string().nullable(),
      timestamp: z.iso.datetime().meta({ description: 'when the event happened' }),
      data,
    })
    .meta({ id: `Event_${type.replace('.', '_')}`, description })

const withMessage = z.object({ message: EventMessage })

export const EVENT_SCHEMAS = {
  'message.received': envelope('message.received', withMessage, 'A message from a contact entered the log.'),
  'message.sent': envelope('message.sent', withMessage, 'One of the account’s messages went out (API or phone).'),
  'message.status': envelope(
    'message.status',
    z.object({ message: EventMessage, status: z.enum(MESSAGE_STATUSES) }),
    'One of the account’s messages moved forward: delivered, read, played, failed, cancelled.',
  ),
  'message.edited': envelope('message.edited', withMessage, 'A message was edited (its new text is in the message).'),
  'message.deleted': envelope('message.deleted', withMessage, 'A message was deleted for everyone; it keeps its place without content.'),
  'message.reaction': envelope(
    'message.reaction',
    z.object({
      message: EventMessage.nullable().meta({ description: 'the target as it is now; null when it is not in the log' }),
      reaction: z.object({
        messageId: z.string().meta({ description: 'the WhatsApp id of the target' }),
        from: z.string().meta({ description: 'who reacted: a JID, or "me"' }),
        emoji: z.string().meta({ description: 'empty: the reaction was removed' }),
        at: z.number().int(),
      }),
    }),
    'A reaction was set or removed.',
  ),
  'account.status': envelope(
    'account.status',
    z.object({ status: z.enum(SESSION_STATUSES), reason: z.string().nullable(), account: Account }),
    'An account’s connection status changed (never carries QR or pairing codes).',
  ),
  'account.created': envelope('account.created', z.object({ account: Account }), 'An account was added.'),
  'account.deleted': envelope('account.deleted', z.object({ accountId: z.string() }), 'An account was deleted.'),
  'webhook.test': envelope(
    'webhook.test',
    z.object({ webhookId: z.string(), message: z.string() }),
    'Sent by POST /webhooks/{webhookId}/test only.',
  ),
} satisfies Record<EventType, z.ZodType>
