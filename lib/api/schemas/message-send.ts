/**
 * What a program sends (zod only: the route wrapper parses with them and the OpenAPI document is
 * generated from them). Bodies follow the WhatsApp Cloud API's message object — `to`, `type`, and an
 * object named after the type — in camelCase; media comes by upload id, link or base64.
 */
import { z } from 'zod'
import type { SendMessageInput } from '@/lib/messages/types'

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

export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .meta({ description: 'The same key within 24 hours returns the first answer and sends once', examples: ['order-4711-shipped'] })

/** Sending by GET (ALLOW_QUERY_API_KEY): the text kind only. */
export const QuerySendParams = z.strictObject({
  to: To,
  text: z.string().min(1).max(4096).meta({ description: 'The text' }),
})

// The service's input type is what the body schema produces: a change on one side fails the build.
type Assert<T extends true> = T
export type SendBodyFitsService = Assert<z.output<typeof SendMessageBody> extends SendMessageInput ? true : false>
