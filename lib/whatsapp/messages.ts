import {
  getContentType,
  isJidGroup,
  jidNormalizedUser,
  normalizeMessageContent,
  proto,
  type WAMessage,
  type WAMessageKey,
} from '@whiskeysockets/baileys'
import type { ChatKey } from '@/lib/db/chats'
import type { MessageStatus } from '@/lib/db/schema'
import type { LogInput } from '@/lib/db/messages'
import { mediaInfoOf } from './media'
import { parseVcard } from './vcard'

/** Baileys' WAMessageStatus → ours. */
export function statusFromWa(status: number | null | undefined, fromMe: boolean): MessageStatus {
  if (!fromMe) return 'received'
  switch (status) {
    case proto.WebMessageInfo.Status.ERROR:
      return 'failed'
    case proto.WebMessageInfo.Status.PENDING:
      return 'pending'
    case proto.WebMessageInfo.Status.DELIVERY_ACK:
      return 'delivered'
    case proto.WebMessageInfo.Status.READ:
      return 'read'
    case proto.WebMessageInfo.Status.PLAYED:
      return 'played'
    default:
      return 'sent'
  }
}

export function textOf(content: proto.IMessage | null | undefined): string | null {
  const m = normalizeMessageContent(content)
  return (
    m?.conversation ??
    m?.extendedTextMessage?.text ??
    m?.imageMessage?.caption ??
    m?.videoMessage?.caption ??
    m?.documentMessage?.caption ??
    m?.documentWithCaptionMessage?.message?.documentMessage?.caption ??
    null
  )
}

/** Both forms of a 1:1 chat partner's address, as far as the message tells (user JIDs, no device). */
export type ChatAddress = ChatKey

/** A Baileys message reduced to what the message log keeps: exactly what the log writes. */
export type ParsedMessage = LogInput

/** What a message does to an earlier one, instead of (or besides) being shown itself. */
export type MessageEffect = NonNullable<LogInput['effect']>

/** Both forms of a 1:1 address from a key and its Baileys 7 alternative (`remoteJidAlt`). */
export function chatAddress(remoteJid: string, alt?: string | null): ChatAddress {
  if (isJidGroup(remoteJid)) return { jid: remoteJid, pnJid: null, lid: null }
  const forms = [remoteJid, alt].filter((j): j is string => !!j).map((j) => jidNormalizedUser(j))
  const pnJid = forms.find((j) => j.endsWith('@s.whatsapp.net')) ?? null
  const lid = forms.find((j) => j.endsWith('@lid')) ?? null
  return { jid: pnJid ?? lid ?? jidNormalizedUser(remoteJid), pnJid, lid }
}

const kindOf = (m: proto.IMessage): { type: string; content: Record<string, unknown> | null; effect: MessageEffect | null } | null => {
  const ctx = m.extendedTextMessage?.contextInfo
  if (m.conversation != null || m.extendedTextMessage?.text != null) {
    const body = m.conversation ?? m.extendedTextMessage?.text ?? ''
    const mentions = ctx?.mentionedJid ?? []
    const preview = m.extendedTextMessage?.matchedText
    return {
      type: 'text',
      content: { text: { body, ...(mentions.length ? { mentions: [...mentions] } : {}), ...(preview ? { previewUrl: preview } : {}) } },
      effect: null,
    }
  }
  if (m.locationMessage) {
    const l = m.locationMessage
    return {
      type: 'location',
      content: {
        location: {
          latitude: l.degreesLatitude ?? 0,
          longitude: l.degreesLongitude ?? 0,
          ...(l.name ? { name: l.name } : {}),
          ...(l.address ? { address: l.address } : {}),
        },
      },
      effect: null,
    }
  }
  const cards = m.contactMessage ? [m.contactMessage] : (m.contactsArrayMessage?.contacts ?? null)
  if (cards)
    return { type: 'contacts', content: { contacts: cards.map((c) => parseVcard(c.vcard ?? '', c.displayName ?? '')) }, effect: null }
  if (m.reactionMessage) {
    const targetWaId = m.reactionMessage.key?.id ?? ''
    const emoji = m.reactionMessage.text ?? ''
    return { type: 'reaction', content: { reaction: { emoji } }, effect: { kind: 'reaction', targetWaId, emoji } }
  }
  const p = m.protocolMessage
  if (p) {
    const targetWaId = p.key?.id ?? ''
    if (p.type === proto.Message.ProtocolMessage.Type.REVOKE && targetWaId)
      return { type: 'delete', content: null, effect: { kind: 'delete', targetWaId } }
    if (p.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && targetWaId && p.editedMessage) {
      return { type: 'edit', content: null, effect: { kind: 'edit', targetWaId, text: textOf(p.editedMessage) ?? '' } }
    }
    return null // history sync, key shares, app-state keys: machinery, not conversation
  }
  const media = mediaInfoOf(m)
  if (media) {
    const { kind, ...fields } = media
    return { type: kind, content: { [kind]: fields }, effect: null }
  }
  const type = getContentType(m)
  if (!type || type === 'senderKeyDistributionMessage' || type === 'messageContextInfo') return null
  return { type: type.replace(/Message$/, ''), content: null, effect: null }
}

const contextOf = (m: proto.IMessage): proto.IContextInfo | null => {
  for (const value of Object.values(m)) {
    if (value && typeof value === 'object' && 'contextInfo' in value) {
      const ctx = (value as { contextInfo?: proto.IContextInfo | null }).contextInfo
      if (ctx) return ctx
    }
  }
  return null
}

/** A Baileys message as the log keeps it; null for stanzas that carry no conversation content. */
export function parseWaMessage(msg: WAMessage): ParsedMessage | null {
  const { key } = msg
  if (!key.remoteJid || !key.id || !msg.message) return null
  const content = normalizeMessageContent(msg.message)
  if (!content) return null
  const kind = kindOf(content)
  if (!kind) return null
  const fromMe = key.fromMe === true
  const ts = Number(msg.messageTimestamp ?? 0)
  const status = statusFromWa(msg.status, fromMe)
  const errorCode = status === 'failed' ? errorCodeOf(msg) : null
  // Baileys leaves `participant` empty (not undefined) on 1:1 messages
  const participant = key.participant === '' ? undefined : key.participant
  return {
    waMessageId: key.id,
    remoteJid: key.remoteJid,
    chat: chatAddress(key.remoteJid, key.remoteJidAlt),
    direction: fromMe ? 'out' : 'in',
    senderJid: fromMe ? null : jidNormalizedUser(participant ?? key.remoteJid),
    pushName: fromMe ? null : (msg.pushName ?? null),
    type: kind.type,
    text: kind.effect?.kind === 'edit' ? null : textOf(content),
    content: kind.content,
    quotedWaId: contextOf(content)?.stanzaId ?? null,
    effect: kind.effect,
    status,
    errorCode,
    statusReason: status === 'failed' ? describeWaError(errorCode) : null,
    proto: Buffer.from(proto.Message.encode(msg.message).finish()),
    timestamp: ts > 0 ? ts * 1000 : Date.now(),
  }
}

/** A copy of a message that Baileys could not decrypt (a CIPHERTEXT stub): it carries no content yet. */
export function isUndecrypted(msg: Pick<WAMessage, 'messageStubType'>): boolean {
  return msg.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT
}

export function decodeMessageProto(buf: Buffer): proto.IMessage {
  return proto.Message.decode(buf)
}

export type MessageKeyRef = { chatJid: string; waMessageId: string }
export function keyRef(key: WAMessageKey): MessageKeyRef | null {
  return key.remoteJid && key.id ? { chatJid: key.remoteJid, waMessageId: key.id } : null
}

/** Why WhatsApp refused a message, for the codes a user can act on. */
export function describeWaError(code: number | null): string {
  switch (code) {
    case 463:
      return 'WhatsApp refused the message (463): the account is restricted from starting chats, or lacks the privacy token for this contact'
    case 479:
      return 'WhatsApp rejected the stanza (479)'
    case null:
      return 'WhatsApp refused the message'
    default:
      return `WhatsApp refused the message (${code})`
  }
}

/** WhatsApp's error code on a refused message (the ack's `error`, which Baileys puts in the stub parameters). */
export function errorCodeOf(update: { messageStubParameters?: (string | null)[] | null }): number | null {
  const code = Number(update.messageStubParameters?.[0])
  return Number.isInteger(code) && code > 0 ? code : null
}
