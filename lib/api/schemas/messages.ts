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
