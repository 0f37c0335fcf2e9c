/**
 * Request schemas of the message routes (zod only: the route wrapper parses with them and the OpenAPI
 * document is generated from them). Bodies follow the WhatsApp Cloud API's message object — `to`,
 * `type`, and an object named after the type — in camelCase; media kinds join SendMessageBody later.
 */
import { z } from 'zod'
import { MESSAGE_STATUSES } from '@/lib/db/schema'
import { MAX_NUMBER_CHECKS, type ListMessagesQuery, type SendMessageInput } from '@/lib/messages/types'

export const MessageIdParams = z.object({
  accountId: z.string().meta({ description: 'Account id', examples: ['support'] }),
  messageId: z
    .string()
    .min(1)
    .max(128)
    .meta({ description: 'The gateway id of a message (msg_…) or its WhatsApp id', examples: ['msg_0mhx2k3a41f3c2d9e8b7a6c5d4e3'] }),
})

const To = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .meta({
    description: 'Phone number in international format (spaces, dashes and + tolerated) or a JID (…@s.whatsapp.net or …@lid)',
    examples: ['+1 555 123 4567'],
  })

const Context = z
  .strictObject({
    messageId: z
      .string()
      .min(1)
      .max(128)
      .meta({ description: 'The message to quote (gateway or WhatsApp id)', examples: ['msg_0mhx2k3a41f3c2d9e8b7a6c5d4e3'] }),
  })
  .meta({ description: 'Reply to an earlier message of the same chat' })

const Text = z.strictObject({
  body: z
    .string()
    .min(1)
    .max(65_536)
    .meta({ description: 'The text; write mentions as @<digits>', examples: ['Hi @15557654321, your order shipped'] }),
  previewUrl: z
    .boolean()
    .optional()
    .meta({ description: 'Attach a link preview for the first URL (off unless true)', examples: [false] }),
  mentions: z
    .array(z.string().min(3).max(64))
    .max(50)
    .optional()
    .meta({ description: 'Phone numbers or JIDs mentioned in the body', examples: [['+1 555 765 4321']] }),
})

const Location = z.strictObject({
  latitude: z
    .number()
    .min(-90)
    .max(90)
    .meta({ description: 'Degrees', examples: [52.5163] }),
  longitude: z
    .number()
    .min(-180)
    .max(180)
    .meta({ description: 'Degrees', examples: [13.3777] }),
  name: z
    .string()
    .max(1000)
    .optional()
    .meta({ description: 'Place name', examples: ['Brandenburg Gate'] }),
  address: z
    .string()
    .max(1000)
    .optional()
    .meta({ description: 'Address line', examples: ['Pariser Platz, 10117 Berlin'] }),
})

const Contact = z.strictObject({
  name: z.strictObject({
    formattedName: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: 'Full name as shown', examples: ['Dana Doe'] }),
    firstName: z
      .string()
      .max(100)
      .optional()
      .meta({ examples: ['Dana'] }),
    lastName: z
      .string()
      .max(100)
      .optional()
      .meta({ examples: ['Doe'] }),
  }),
  phones: z
    .array(
      z.strictObject({
        phone: z
          .string()
          .min(3)
          .max(64)
          .meta({ description: 'As it should appear on the card', examples: ['+1 555 010 0000'] }),
        type: z
          .string()
          .max(20)
          .optional()
          .meta({ description: 'CELL, WORK, HOME…', examples: ['CELL'] }),
        waId: z
          .string()
          .regex(/^\d{5,15}$/)
          .optional()
          .meta({ description: 'WhatsApp number (digits) that the card links to', examples: ['15550100000'] }),
      }),
    )
    .min(1)
    .max(20),
  emails: z
    .array(
      z.strictObject({
        email: z
          .email()
          .max(200)
          .meta({ examples: ['dana@example.com'] }),
        type: z.string().max(20).optional(),
      }),
    )
    .max(20)
    .optional(),
  org: z.strictObject({ company: z.string().max(200).optional(), title: z.string().max(200).optional() }).optional(),
})

/** base64 media in a JSON body: at most this many decoded bytes (larger files go through an upload or a link). */
export const MAX_BASE64_MEDIA_BYTES = 16 * 1024 * 1024
/** The send route's body cap, so a base64 media body fits (4/3 of the bytes, plus the rest of the message). */
export const SEND_MESSAGE_MAX_BODY_BYTES = Math.ceil((MAX_BASE64_MEDIA_BYTES * 4) / 3) + 64 * 1024

const mediaFields = {
  id: z
    .string()
    .regex(/^med_[0-9a-f]{24}$/)
    .optional()
    .meta({ description: 'An upload of this account (POST /accounts/{accountId}/media)', examples: ['med_5f2c0e6a9b1d4c7e8f3a2b10'] }),
  link: z
    .url({ protocol: /^https?$/ })
    .max(4096)
    .optional()
    .meta({
      description: 'An https URL the gateway downloads (public addresses only; size and time capped)',
      examples: ['https://example.com/invoice.pdf'],
    }),
  base64: z
    .base64()
    .max(Math.ceil((MAX_BASE64_MEDIA_BYTES * 4) / 3))
    .optional()
    .meta({ description: `The bytes, base64 (at most ${MAX_BASE64_MEDIA_BYTES} bytes decoded); needs mimeType` }),
  mimeType: z
    .string()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/)
    .optional()
    .meta({ description: 'The declared type of base64 bytes (checked against the bytes)', examples: ['application/pdf'] }),
}

const oneSource = (m: { id?: string; link?: string; base64?: string; mimeType?: string }, ctx: z.RefinementCtx) => {
  const given = [m.id, m.link, m.base64].filter((v) => v !== undefined).length
  if (given !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of id, link or base64' })
  if (m.base64 !== undefined && !m.mimeType) ctx.addIssue({ code: 'custom', path: ['mimeType'], message: 'is required with base64' })
}

const Caption = z
  .string()
  .min(1)
  .max(1024)
  .meta({ description: 'Shown under the media', examples: ['Your order #4711'] })

const ImageMedia = z
  .strictObject({ ...mediaFields, caption: Caption.optional() })
  .superRefine(oneSource)
  .meta({ description: 'JPEG or PNG' })
const VideoMedia = z
  .strictObject({ ...mediaFields, caption: Caption.optional() })
  .superRefine(oneSource)
  .meta({ description: 'MP4 or 3GPP' })
const AudioMedia = z
  .strictObject({
    ...mediaFields,
    voice: z
      .boolean()
      .optional()
      .meta({ description: 'Send as a voice note (push-to-talk; Ogg/Opus)', examples: [true] }),
  })
  .superRefine(oneSource)
  .meta({ description: 'AAC, MP4 audio, MPEG, AMR or Ogg/Opus' })
const DocumentMedia = z
  .strictObject({
    ...mediaFields,
    caption: Caption.optional(),
    fileName: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .meta({ description: 'The file name the recipient sees', examples: ['invoice-4711.pdf'] }),
  })
  .superRefine(oneSource)
  .meta({ description: 'Any file' })
const StickerMedia = z
  .strictObject({ ...mediaFields })
  .superRefine(oneSource)
  .meta({ description: 'WebP' })

export const SendMessageBody = z
  .discriminatedUnion('type', [
    z.strictObject({ to: To, type: z.literal('text'), text: Text, context: Context.optional() }),
    z.strictObject({ to: To, type: z.literal('location'), location: Location, context: Context.optional() }),
    z.strictObject({
      to: To,
      type: z.literal('contacts'),
      contacts: z.array(Contact).min(1).max(20).meta({ description: 'One or more contact cards; the gateway builds the vCards' }),
      context: Context.optional(),
    }),
    z.strictObject({
      to: To,
      type: z.literal('reaction'),
      reaction: z.strictObject({
        messageId: z
          .string()
          .min(1)
          .max(128)
          .meta({ description: 'The message reacted to', examples: ['msg_0mhx2k3a41f3c2d9e8b7a6c5d4e3'] }),
        emoji: z
          .string()
          .max(16)
          .meta({ description: 'One emoji; empty removes the reaction', examples: ['👍'] }),
      }),
    }),
    z.strictObject({ to: To, type: z.literal('image'), image: ImageMedia, context: Context.optional() }),
    z.strictObject({ to: To, type: z.literal('video'), video: VideoMedia, context: Context.optional() }),
    z.strictObject({ to: To, type: z.literal('audio'), audio: AudioMedia, context: Context.optional() }),
    z.strictObject({ to: To, type: z.literal('document'), document: DocumentMedia, context: Context.optional() }),
    z.strictObject({ to: To, type: z.literal('sticker'), sticker: StickerMedia, context: Context.optional() }),
  ])
  .meta({ description: 'A message to send', examples: [{ to: '+1 555 123 4567', type: 'text', text: { body: 'Hi', previewUrl: false } }] })

export const EditMessageBody = z.strictObject({
  text: z
    .string()
    .min(1)
    .max(65_536)
    .meta({ description: 'The new text (text messages, within 15 minutes of sending)', examples: ['Hi, corrected'] }),
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

export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .meta({ description: 'The same key within 24 hours returns the first answer and sends once', examples: ['order-4711-shipped'] })

// The service's input types are what these schemas produce: a change on one side fails the build.
type Assert<T extends true> = T
export type SendBodyFitsService = Assert<z.output<typeof SendMessageBody> extends SendMessageInput ? true : false>
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

export const QuerySendParams = z.strictObject({
  to: To,
  text: z.string().min(1).max(4096).meta({ description: 'The text' }),
})
