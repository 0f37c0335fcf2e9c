import { getContentType, normalizeMessageContent, proto, type WAMessage, type WAMessageKey } from '@whiskeysockets/baileys'
import type { MessageRow } from '@/lib/db/messages'
import type { MessageStatus } from '@/lib/db/schema'

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
    null
  )
}

/** A Baileys message as a row of our message store; null for stanzas that carry no message. */
export function toMessageRow(accountId: string, msg: WAMessage): MessageRow | null {
  const { key } = msg
  if (!key.remoteJid || !key.id || !msg.message) return null
  const content = normalizeMessageContent(msg.message)
  const type = getContentType(content) ?? 'unknown'
  // Protocol messages (history sync, key distribution…) are not conversation content.
  if (type === 'protocolMessage' || type === 'senderKeyDistributionMessage') return null
  const fromMe = key.fromMe === true
  const ts = Number(msg.messageTimestamp ?? 0)
  return {
    accountId,
    chatJid: key.remoteJid,
    waMessageId: key.id,
    direction: fromMe ? 'out' : 'in',
    senderJid: fromMe ? null : (key.participant ?? key.remoteJid),
    type,
    text: textOf(content),
    status: statusFromWa(msg.status, fromMe),
    proto: Buffer.from(proto.Message.encode(msg.message).finish()),
    timestamp: ts > 0 ? ts * 1000 : Date.now(),
  }
}

export function decodeMessageProto(buf: Buffer): proto.IMessage {
  return proto.Message.decode(buf)
}

export type MessageKeyRef = { chatJid: string; waMessageId: string }
export function keyRef(key: WAMessageKey): MessageKeyRef | null {
  return key.remoteJid && key.id ? { chatJid: key.remoteJid, waMessageId: key.id } : null
}
