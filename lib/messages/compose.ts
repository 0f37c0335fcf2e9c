import crypto from 'node:crypto'
import type { MessageRow } from '@/lib/db/messages'
import { AppError } from '@/lib/errors'
import type { MediaKind } from '@/lib/media/policy'
import type { PreparedMedia } from '@/lib/media/service'
import type { OutgoingContent, WaKeyRef } from '@/lib/whatsapp/outgoing'
import { buildVcard } from '@/lib/whatsapp/vcard'
import { parseRecipient, type Recipient } from './recipient'
import type { MediaBody, SendMessageInput } from './types'

/** What a send request becomes: what Baileys is given, what the log shows, the quoted row, whether a preview is wanted. */
export type Composed = {
  content: OutgoingContent
  view: Record<string, unknown>
  /** a reply: the quoted message's row and WhatsApp id */
  quotedRowId?: number
  quotedWaId?: string
  previewUrl?: boolean
}

/** What composing needs to look up in the account's log. */
export type ComposeLookup = {
  /** a message of the account by the gateway's or WhatsApp's id; throws not_found */
  message(id: string): MessageRow
  /** the row id of the chat with this recipient, when there is one */
  chatIdOf(recipient: Recipient): number | undefined
}

/**
 * Turns a validated send request into Baileys' content and the log's view of it. Media arrives
 * prepared (stored, sized, hashed); a reaction must target a message of the chat it is sent to.
 */
export function composeOutgoing(input: SendMessageInput, recipient: Recipient, lookup: ComposeLookup, media?: PreparedMedia): Composed {
  const quoted = 'context' in input && input.context ? lookup.message(input.context.messageId) : undefined
  const withQuote = quoted ? { quotedRowId: quoted.id, quotedWaId: quoted.waMessageId } : {}
  if (media) {
    const { size, sha256, relPath: _relPath, ...content } = media
    const { kind: _kind, media: kind, path: _path, ...shown } = content
    return { content, view: { [kind]: { ...shown, size, sha256 } }, ...withQuote }
  }
  switch (input.type) {
    case 'text': {
      const mentions = (input.text.mentions ?? []).map((m) => parseRecipient(m).jid)
      return {
        content: { kind: 'text', text: input.text.body, mentions, linkPreview: null },
        view: {
          text: {
            body: input.text.body,
            ...(mentions.length ? { mentions } : {}),
            ...(input.text.previewUrl ? { previewUrl: true } : {}),
          },
        },
        ...withQuote,
        ...(input.text.previewUrl ? { previewUrl: true } : {}),
      }
    }
    case 'location':
      return { content: { kind: 'location', ...input.location }, view: { location: input.location }, ...withQuote }
    case 'contacts': {
      const cards = input.contacts.map((c) => ({ displayName: c.name.formattedName, vcard: buildVcard(c) }))
      const displayName = cards.length === 1 ? (cards[0]?.displayName ?? '') : `${cards.length} contacts`
      return { content: { kind: 'contacts', displayName, cards }, view: { contacts: input.contacts }, ...withQuote }
    }
    case 'reaction': {
      const target = lookup.message(input.reaction.messageId)
      if (target.chatId === null || target.chatId !== lookup.chatIdOf(recipient)) {
        throw new AppError('validation_failed', `Message ${input.reaction.messageId} is not in the chat with ${input.to}.`, {
          details: { field: 'reaction.messageId' },
        })
      }
      return {
        content: { kind: 'reaction', target: keyOf(target), emoji: input.reaction.emoji },
        view: { reaction: { messageId: target.publicId, emoji: input.reaction.emoji } },
      }
    }
    default:
      // media kinds come with their prepared file (above)
      throw new AppError('validation_failed', `A ${input.type} message needs its media.`)
  }
}

/** The file a media send carries, or undefined for the other kinds. */
export function mediaSourceOf(input: SendMessageInput): { kind: MediaKind; body: MediaBody } | undefined {
  switch (input.type) {
    case 'image':
      return { kind: 'image', body: input.image }
    case 'video':
      return { kind: 'video', body: input.video }
    case 'audio':
      return { kind: 'audio', body: input.audio }
    case 'document':
      return { kind: 'document', body: input.document }
    case 'sticker':
      return { kind: 'sticker', body: input.sticker }
    default:
      return undefined
  }
}

/** The WhatsApp key of a logged message (what edits, deletes and reactions point at). */
export const keyOf = (row: MessageRow): WaKeyRef => ({ remoteJid: row.chatJid, fromMe: row.direction === 'out', id: row.waMessageId })

/** The idempotency hash of a request. Key order does not change it: the same JSON body in another order is the same request. */
export function hashRequest(input: SendMessageInput): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('hex')
}
