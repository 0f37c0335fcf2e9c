/**
 * Messages a simulated contact sends: every non-media kind the gateway must read back with full
 * fidelity (text with mentions, location, contact cards, reactions, edits, deletes, replies).
 */
import { proto } from '@whiskeysockets/baileys'
import { z } from 'zod'

const phone = z.string().regex(/^\+?[1-9]\d{4,14}$/, 'a phone number: 5 to 15 digits, country code first')
const quote = { quotedId: z.string().min(1).max(128).optional() }

export const ContactMessageInput = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('text'),
    to: z.string().min(1).max(32),
    text: z.string().min(1).max(65_536),
    /** phone numbers of users mentioned in the text (as @<digits>) */
    mentions: z.array(phone).max(50).optional(),
    ...quote,
  }),
  z.strictObject({
    type: z.literal('location'),
    to: z.string().min(1).max(32),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().max(1000).optional(),
    address: z.string().max(1000).optional(),
    ...quote,
  }),
  z.strictObject({
    type: z.literal('contacts'),
    to: z.string().min(1).max(32),
    contacts: z
      .array(z.strictObject({ name: z.string().min(1).max(200), phones: z.array(phone).min(1).max(10) }))
      .min(1)
      .max(20),
    ...quote,
  }),
  z.strictObject({
    type: z.literal('reaction'),
    to: z.string().min(1).max(32),
    targetId: z.string().min(1).max(128),
    emoji: z.string().max(16),
  }),
  z.strictObject({
    type: z.literal('edit'),
    to: z.string().min(1).max(32),
    targetId: z.string().min(1).max(128),
    text: z.string().min(1).max(65_536),
  }),
  z.strictObject({ type: z.literal('delete'), to: z.string().min(1).max(32), targetId: z.string().min(1).max(128) }),
])
export type ContactMessageInput = z.infer<typeof ContactMessageInput>

/**
 * Media a contact sends: the bytes (base64 over the admin API, a Buffer in process), their MIME type,
 * and what the kind allows (a caption on images, videos and documents; a file name on documents; the
 * voice-note flag on audio). The simulator encrypts and stores them on its media host.
 */
export const ContactMediaInput = z.strictObject({
  type: z.enum(['image', 'video', 'audio', 'document', 'sticker']),
  to: z.string().min(1).max(32),
  base64: z
    .string()
    .min(1)
    .max(32 * 1024 * 1024),
  mimeType: z.string().min(3).max(255),
  caption: z.string().max(1024).optional(),
  fileName: z.string().max(255).optional(),
  voice: z.boolean().optional(),
  seconds: z.number().int().min(0).max(86_400).optional(),
  /**
   * The hostile contact: the media message points wherever the test says (`url`, `directPath`; `''`
   * leaves the field out) and/or declares no hashes (`omitHashes`), as a modified client could send it.
   * The bytes are still encrypted and stored on the media host as usual.
   */
  override: z
    .strictObject({
      url: z.string().max(4096).optional(),
      directPath: z.string().max(4096).optional(),
      omitHashes: z.literal(true).optional(),
    })
    .optional(),
  ...quote,
})
export type ContactMediaInput = Omit<z.infer<typeof ContactMediaInput>, 'base64'> & { data: Buffer }

/** The stored blob's fields with a hostile contact's override laid over them. */
export const overrideMediaFields = (fields: Record<string, unknown>, override: ContactMediaInput['override']): Record<string, unknown> => {
  if (!override) return fields
  const { url, directPath, fileSha256, fileEncSha256, ...rest } = fields
  // an override of '' leaves the field out
  const pick = (given: string | undefined, stored: unknown) => (given === undefined ? stored : given === '' ? undefined : given)
  const newUrl = pick(override.url, url)
  const newPath = pick(override.directPath, directPath)
  return {
    ...rest,
    ...(newUrl === undefined ? {} : { url: newUrl }),
    ...(newPath === undefined ? {} : { directPath: newPath }),
    ...(override.omitHashes ? {} : { fileSha256, fileEncSha256 }),
  }
}

/** What composing needs to know about the conversation: whose message an id is, and its text. */
export type ComposeContext = {
  /** the sender's own jid and the chat partner's jid, as the sender's phone addresses them */
  selfJid: string
  peerJid: string
  /** the message with this id in the conversation: sent by the sender (fromMe) or received, with its text */
  find(id: string): { fromMe: boolean; text: string | undefined } | undefined
}

export const buildVcard = (name: string, phones: string[]): string =>
  [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `FN:${name}`,
    ...phones.map((p) => {
      const digits = p.replace(/\D/g, '')
      return `TEL;type=CELL;waid=${digits}:+${digits}`
    }),
    'END:VCARD',
  ].join('\n')

/** The media message around the stored blob's fields (url, keys, hashes). */
export const composeMediaMessage = (input: ContactMediaInput, fields: Record<string, unknown>): proto.IMessage => {
  const common = { ...fields, mimetype: input.mimeType }
  switch (input.type) {
    case 'image':
      return { imageMessage: { ...common, ...(input.caption ? { caption: input.caption } : {}) } }
    case 'video':
      return { videoMessage: { ...common, ...(input.caption ? { caption: input.caption } : {}), seconds: input.seconds ?? 0 } }
    case 'audio':
      return { audioMessage: { ...common, ptt: input.voice === true, seconds: input.seconds ?? 0 } }
    case 'sticker':
      return { stickerMessage: { ...common } }
    case 'document': {
      const doc = { ...common, fileName: input.fileName ?? 'file', ...(input.caption ? { caption: input.caption } : {}) }
      return input.caption ? { documentWithCaptionMessage: { message: { documentMessage: doc } } } : { documentMessage: doc }
    }
  }
}

/** Returns the proto to encrypt and a one-line text for the sender's sent log. */
export const composeMessage = (input: ContactMessageInput, ctx: ComposeContext): { message: proto.IMessage; text: string } => {
  const context = (quotedId: string | undefined, mentions: string[] = []): proto.IContextInfo | undefined => {
    const quoted = quotedId ? ctx.find(quotedId) : undefined
    if (!quotedId && mentions.length === 0) return undefined
    return {
      ...(mentions.length ? { mentionedJid: mentions } : {}),
      ...(quotedId
        ? {
            stanzaId: quotedId,
            participant: quoted?.fromMe ? ctx.selfJid : ctx.peerJid,
            quotedMessage: { conversation: quoted?.text ?? '' },
          }
        : {}),
    }
  }
  const keyOf = (targetId: string, fromMe: boolean): proto.IMessageKey => ({ remoteJid: ctx.peerJid, fromMe, id: targetId })
  switch (input.type) {
    case 'text': {
      const mentions = (input.mentions ?? []).map((p) => `${p.replace(/\D/g, '')}@s.whatsapp.net`)
      const contextInfo = context(input.quotedId, mentions)
      return {
        message: contextInfo ? { extendedTextMessage: { text: input.text, contextInfo } } : { conversation: input.text },
        text: input.text,
      }
    }
    case 'location':
      return {
        message: {
          locationMessage: {
            degreesLatitude: input.latitude,
            degreesLongitude: input.longitude,
            ...(input.name ? { name: input.name } : {}),
            ...(input.address ? { address: input.address } : {}),
            contextInfo: context(input.quotedId),
          },
        },
        text: `[location] ${input.latitude},${input.longitude}`,
      }
    case 'contacts': {
      const cards = input.contacts.map((c) => ({ displayName: c.name, vcard: buildVcard(c.name, c.phones) }))
      const contextInfo = context(input.quotedId)
      const [only] = cards
      const message: proto.IMessage =
        cards.length === 1 && only
          ? { contactMessage: { ...only, contextInfo } }
          : { contactsArrayMessage: { displayName: `${cards.length} contacts`, contacts: cards, contextInfo } }
      return { message, text: `[contacts] ${input.contacts.map((c) => c.name).join(', ')}` }
    }
    case 'reaction': {
      const target = ctx.find(input.targetId)
      return {
        message: {
          reactionMessage: { key: keyOf(input.targetId, target?.fromMe ?? false), text: input.emoji, senderTimestampMs: Date.now() },
        },
        text: `reaction ${input.emoji}`.trim(),
      }
    }
    case 'edit':
      return {
        message: {
          protocolMessage: {
            key: keyOf(input.targetId, true),
            type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
            editedMessage: { conversation: input.text },
            timestampMs: Date.now(),
          },
        },
        text: input.text,
      }
    case 'delete':
      return {
        message: { protocolMessage: { key: keyOf(input.targetId, true), type: proto.Message.ProtocolMessage.Type.REVOKE } },
        text: `deleted ${input.targetId}`,
      }
  }
}
