import { type AnyMessageContent, generateMessageIDV2, proto, type WAMessage } from '@whiskeysockets/baileys'

/** A message key as Baileys addresses an earlier message (the target of a reaction, edit or delete). */
export type WaKeyRef = { remoteJid: string; fromMe: boolean; id: string; participant?: string }

/** A link preview the gateway built itself (never fetched by Baileys: see toBaileysContent). */
export type LinkPreview = { url: string; title?: string; description?: string }

/**
 * What the gateway sends, already resolved (JIDs, vCards, targets). Media kinds will join this union
 * with their own variants; nothing else here depends on the list being closed.
 */
export type OutgoingContent =
  | { kind: 'text'; text: string; mentions: string[]; linkPreview: LinkPreview | null }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: 'contacts'; displayName: string; cards: { displayName: string; vcard: string }[] }
  | { kind: 'reaction'; target: WaKeyRef; emoji: string }
  | { kind: 'edit'; target: WaKeyRef; text: string }
  | { kind: 'delete'; target: WaKeyRef }
  | OutgoingMedia

/**
 * Media to send: `path` is a file the gateway itself wrote (an upload, a decoded base64 body or a
 * downloaded link), never a user-given URL — Baileys reads any non-http `url` as a local path.
 */
export type OutgoingMedia = {
  kind: 'media'
  media: 'image' | 'video' | 'audio' | 'document' | 'sticker'
  path: string
  mimeType: string
  caption?: string
  fileName?: string
  voice?: boolean
}

/** The message a reply quotes: its key and the stored content (may be missing for old rows). */
export type QuotedRef = { key: WaKeyRef; proto: Buffer | null; timestamp: number }

/**
 * Our content → Baileys' content. Text always carries `linkPreview` (null when none): left undefined,
 * Baileys fetches the first URL in the text itself, from inside the gateway's network.
 */
export function toBaileysContent(content: OutgoingContent): AnyMessageContent {
  switch (content.kind) {
    case 'text':
      return {
        text: content.text,
        ...(content.mentions.length ? { mentions: content.mentions } : {}),
        linkPreview: content.linkPreview
          ? {
              'canonical-url': content.linkPreview.url,
              'matched-text': content.linkPreview.url,
              title: content.linkPreview.title ?? content.linkPreview.url,
              description: content.linkPreview.description,
            }
          : null,
      }
    case 'location':
      return {
        location: {
          degreesLatitude: content.latitude,
          degreesLongitude: content.longitude,
          ...(content.name ? { name: content.name } : {}),
          ...(content.address ? { address: content.address } : {}),
        },
      }
    case 'contacts':
      return { contacts: { displayName: content.displayName, contacts: content.cards } }
    case 'reaction':
      return { react: { key: content.target, text: content.emoji } }
    case 'edit':
      return { text: content.text, edit: content.target, linkPreview: null }
    case 'delete':
      return { delete: content.target }
    case 'media':
      return mediaContent(content)
  }
}

/**
 * For every kind but audio the socket has already encrypted and uploaded the file (media-send.ts) and
 * Baileys finds the finished message in its mediaCache under `<kind>:<path>`; audio Baileys encrypts
 * itself. An explicit (empty) jpegThumbnail stops it from trying to build a thumbnail it cannot build
 * anyway (no image library installed).
 */
function mediaContent(c: OutgoingMedia): AnyMessageContent {
  const media = { url: c.path }
  const caption = c.caption ? { caption: c.caption } : {}
  switch (c.media) {
    case 'image':
      return { image: media, mimetype: c.mimeType, jpegThumbnail: '', ...caption }
    case 'video':
      return { video: media, mimetype: c.mimeType, jpegThumbnail: '', ...caption }
    case 'audio':
      return { audio: media, mimetype: c.mimeType, ptt: c.voice === true }
    case 'sticker':
      return { sticker: media, mimetype: c.mimeType }
    case 'document':
      return { document: media, mimetype: c.mimeType, fileName: c.fileName ?? 'file', ...caption }
  }
}

export function toQuotedMessage(q: QuotedRef): WAMessage {
  return {
    key: q.key,
    message: q.proto ? proto.Message.decode(q.proto) : { conversation: '' },
    messageTimestamp: Math.floor(q.timestamp / 1000),
  }
}

/** A WhatsApp message id as WhatsApp Web makes them, chosen before sending so a re-send keeps it. */
export function newWaMessageId(userJid?: string): string {
  return generateMessageIDV2(userJid)
}
