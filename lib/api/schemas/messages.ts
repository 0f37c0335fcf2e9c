/**
 * Schemas of the message routes other than sending (./message-send.ts): ids, list queries, number
 * checks, pacing, and the answers (zod only: the route wrapper parses with them and the OpenAPI
 * document is generated from them).
 */
import { z } from 'zod'
import { MESSAGE_STATUSES } from '@/lib/vocabulary/statuses'
import { MAX_NUMBER_CHECKS, type ListMessagesQuery } from '@/lib/messages/types'

export const MessageIdParams = z.object({
  accountId: z.string().meta({ description: 'Account id', examples: ['support'] }),
  messageId: z
    .string()
    .min(1)
    .max(128)
    .meta({ description: 'The gateway id of a message (msg_…) or its WhatsApp id', examples: ['msg_0mhx2k3a41f3c2d9e8b7a6c5d4e3'] }),
})

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item).max(20).optional())

/** Cursor pagination, the same for every list. */
const PageQuery = {
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Page size (default 50)', examples: [50] }),
}

export const ListMessagesQuerySchema = z.strictObject({
  chat: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'Phone number or JID (phone or LID form) of the chat', examples: ['+1 555 123 4567'] }),
  direction: z
    .enum(['in', 'out'])
    .optional()
    .meta({ description: 'Incoming or outgoing', examples: ['in'] }),
  type: csv(z.string().max(32)).meta({ description: 'Comma-separated kinds', examples: ['text,location'] }),
  status: csv(z.enum(MESSAGE_STATUSES)).meta({ description: 'Comma-separated statuses', examples: ['delivered,read'] }),
  since: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .meta({ description: 'From this time (unix ms, inclusive)', examples: [1790000000000] }),
  until: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .meta({ description: 'Up to this time (unix ms, inclusive)', examples: [1790086400000] }),
  ...PageQuery,
})

export const ListChatsQuerySchema = z.strictObject({
  ...PageQuery,
})

export const CheckNumbersBody = z.strictObject({
  phones: z
    .array(z.string().min(1).max(64))
    .min(1)
    .max(MAX_NUMBER_CHECKS)
    .meta({
      description: `Up to ${MAX_NUMBER_CHECKS} phone numbers in international format`,
      examples: [['+1 555 123 4567', '+49 151 23456789']],
    }),
})

// The service's input types are what these schemas produce: a change on one side fails the build.
type Assert<T extends true> = T
export type ListQueryFitsService = Assert<z.output<typeof ListMessagesQuerySchema> extends ListMessagesQuery ? true : false>

// ---- answers ---------------------------------------------------------------------------------

const ms = (description: string) =>
  z
    .number()
    .int()
    .meta({ description: `${description} (unix ms)` })
const msOrNull = (description: string) =>
  z
    .number()
    .int()
    .nullable()
    .meta({ description: `${description} (unix ms), null until it happens` })

export const ChatRef = z
  .object({
    jid: z
      .string()
      .meta({ description: 'The canonical chat JID (phone form when known, else @lid)', examples: ['15551234567@s.whatsapp.net'] }),
    phone: z
      .string()
      .nullable()
      .meta({ description: 'Phone number (digits with country code) when known', examples: ['15551234567'] }),
    lid: z
      .string()
      .nullable()
      .meta({ description: "The contact's LID when known", examples: ['102030405060708@lid'] }),
    name: z
      .string()
      .nullable()
      .meta({ description: 'Chat or contact name when known', examples: ['Ann'] }),
  })
  .meta({ id: 'ChatRef' })

export const Message = z
  .object({
    id: z.string().meta({ description: "The gateway's id of the message", examples: ['msg_0mhx2k3a41f3c2d9e8b7a6c5d4e3'] }),
    waMessageId: z.string().meta({ description: "WhatsApp's id of the message", examples: ['3EB0C0FFEE0123456789'] }),
    accountId: z.string(),
    chat: ChatRef,
    direction: z.enum(['in', 'out']),
    from: z.string().nullable().meta({ description: "Sender JID of an incoming message; null for the account's own" }),
    type: z.string().meta({ description: 'text, location, contacts, reaction, …', examples: ['text'] }),
    text: z.string().nullable().meta({ description: 'The text (or caption), when the kind has one' }),
    content: z.unknown().meta({ description: 'The kind\'s object as sent or received (e.g. `{"location": {…}}`)' }),
    context: z
      .object({ messageId: z.string().nullable(), waMessageId: z.string() })
      .nullable()
      .meta({ description: 'The message this one replies to; messageId is null when that message is not in the log' }),
    reactions: z
      .array(z.object({ from: z.string(), emoji: z.string(), at: z.number().int() }))
      .meta({ description: 'Reactions, one per sender' }),
    status: z.enum(MESSAGE_STATUSES),
    statusReason: z.string().nullable().meta({ description: "Why a message failed (WhatsApp's code in errorCode)" }),
    errorCode: z.number().int().nullable(),
    queuePosition: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'For a queued message: 1 when it is the next to go out; null otherwise' }),
    timestamp: ms('When the message was sent or received'),
    createdAt: ms('When the gateway stored it'),
    updatedAt: ms('Last change'),
    sentAt: msOrNull('Accepted by WhatsApp'),
    deliveredAt: msOrNull("Delivered to the recipient's phone"),
    readAt: msOrNull('Read'),
    editedAt: msOrNull('Last edit'),
    deletedAt: msOrNull('Deleted for everyone'),
  })
  .meta({ id: 'Message' })

export const MESSAGE_EXAMPLE: z.input<typeof Message> = {
  id: 'msg_0mhx2k3a41f3c2d9e8b7a6c5d4e3',
  waMessageId: '3EB0C0FFEE0123456789',
  accountId: 'support',
  chat: { jid: '15551234567@s.whatsapp.net', phone: '15551234567', lid: '102030405060708@lid', name: 'Ann' },
  direction: 'out',
  from: null,
  type: 'text',
  text: 'Hi',
  content: { text: { body: 'Hi' } },
  context: null,
  reactions: [],
  status: 'queued',
  statusReason: null,
  errorCode: null,
  queuePosition: 1,
  timestamp: 1790000000000,
  createdAt: 1790000000000,
  updatedAt: 1790000000000,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  editedAt: null,
  deletedAt: null,
}

const NextCursor = z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' })

export const MessagePage = z.object({ data: z.array(Message), nextCursor: NextCursor }).meta({ id: 'MessagePage' })

export const Chat = ChatRef.extend({
  lastMessageAt: z.number().int().nullable().meta({ description: 'unix ms' }),
  unreadCount: z.number().int(),
  lastMessage: Message.nullable(),
}).meta({ id: 'Chat' })

export const ChatPage = z.object({ data: z.array(Chat), nextCursor: NextCursor }).meta({ id: 'ChatPage' })

export const NumberChecks = z
  .object({
    data: z.array(
      z.object({
        input: z.string().meta({ description: 'As given' }),
        phone: z.string().nullable().meta({ description: 'Digits with country code; null when the input is not a possible number' }),
        exists: z.boolean().meta({ description: 'On WhatsApp' }),
        jid: z.string().nullable(),
        lid: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'NumberChecks' })

export const SendQueueStatus = z
  .object({
    accountId: z.string(),
    queued: z.number().int().meta({ description: 'Messages waiting to go out' }),
    paused: z.boolean().meta({ description: 'True while the queue is paused after repeated refusals by WhatsApp' }),
    pausedUntil: z.number().int().nullable().meta({ description: 'unix ms' }),
    reason: z.string().nullable(),
    restrictions: z.number().int().meta({ description: 'Refusals ("account restricted") in a row' }),
    pacing: z.object({
      minGapMs: z.number().int().meta({ description: 'Minimum gap between two sends' }),
      perMinute: z.number().int().meta({ description: 'At most this many sends per minute (0: no cap)' }),
    }),
  })
  .meta({ id: 'SendQueueStatus' })

export const PacingBody = z
  .strictObject({
    minGapMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .nullable()
      .optional()
      .meta({ description: 'null returns to the gateway-wide setting' }),
    perMinute: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .nullable()
      .optional()
      .meta({ description: '0: no cap; null returns to the gateway-wide setting' }),
  })
  .refine((b) => b.minGapMs !== undefined || b.perMinute !== undefined, { error: 'give minGapMs, perMinute or both' })
