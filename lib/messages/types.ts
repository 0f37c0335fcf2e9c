/**
 * What the message service takes and returns. The API's zod schemas (lib/api/schemas/messages.ts)
 * parse requests into these shapes; the Cloud API's message object is the model (`to`, `type`, and an
 * object named after the type), in camelCase. Media kinds join SendMessageInput as new variants.
 */
import type { ContactCard } from '@/lib/whatsapp/vcard'

export type { ChatView, MessageView } from './views'
export type { ContactCard }

/** Quote an earlier message (any kind): the gateway's id or the WhatsApp id of a logged message. */
export type ReplyContext = { messageId: string }

export type TextBody = {
  body: string
  /** attach a link preview for the first URL; off unless asked */
  previewUrl?: boolean
  /** phone numbers or JIDs mentioned (write them as @<digits> in the body) */
  mentions?: string[]
}

export type LocationBody = { latitude: number; longitude: number; name?: string; address?: string }

/**
 * A media object: exactly one source — `id` (an upload of this account), `link` (an https URL the
 * gateway downloads through its address guard) or `base64` (with `mimeType`) — and what the kind
 * allows: `caption` (image, video, document), `fileName` (document), `voice` (audio: a voice note).
 */
export type MediaBody = {
  id?: string
  link?: string
  base64?: string
  mimeType?: string
  caption?: string
  fileName?: string
  voice?: boolean
}

export type SendMessageInput =
  | { to: string; type: 'text'; text: TextBody; context?: ReplyContext }
  | { to: string; type: 'location'; location: LocationBody; context?: ReplyContext }
  | { to: string; type: 'contacts'; contacts: ContactCard[]; context?: ReplyContext }
  | { to: string; type: 'reaction'; reaction: { messageId: string; emoji: string } }
  | { to: string; type: 'image'; image: MediaBody; context?: ReplyContext }
  | { to: string; type: 'video'; video: MediaBody; context?: ReplyContext }
  | { to: string; type: 'audio'; audio: MediaBody; context?: ReplyContext }
  | { to: string; type: 'document'; document: MediaBody; context?: ReplyContext }
  | { to: string; type: 'sticker'; sticker: MediaBody; context?: ReplyContext }

export type ListMessagesQuery = {
  /** a phone number or JID of the chat */
  chat?: string
  direction?: 'in' | 'out'
  type?: string[]
  status?: string[]
  /** unix ms, inclusive */
  since?: number
  until?: number
  /** words the text must contain (search) */
  q?: string
  cursor?: string
  limit?: number
}

export type Page<T> = { items: T[]; nextCursor: string | null }

export type NumberCheckResult = {
  input: string
  /** digits with country code; null when the input is not a possible phone number */
  phone: string | null
  exists: boolean
  jid: string | null
  lid: string | null
}

export type QueueStatus = {
  accountId: string
  queued: number
  paused: boolean
  pausedUntil: number | null
  reason: string | null
  restrictions: number
  pacing: { minGapMs: number; perMinute: number }
}

export const MAX_NUMBER_CHECKS = 50
/** WhatsApp lets the author edit a message for 15 minutes (docs/messages.md). */
export const EDIT_WINDOW_MS = 15 * 60_000
/** ... and delete it for everyone for about two days (docs/messages.md). */
export const DELETE_WINDOW_MS = 48 * 3_600_000
