import type { proto } from '@whiskeysockets/baileys'

export type MessageSummary = { type: string; text?: string; summary: string }

const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'documentWithCaptionMessage', 'editedMessage'] as const
const IGNORED = new Set(['messageContextInfo', 'senderKeyDistributionMessage'])

/**
 * What a person would see of a decrypted message, or undefined for machinery (protocol messages,
 * device-sent copies, key distribution) that never shows up in a chat.
 */
export const summarizeMessage = (input: proto.IMessage): MessageSummary | undefined => {
  let message: proto.IMessage = input
  for (let depth = 0; depth < 3; depth++) {
    const wrapper = WRAPPERS.map((w) => message[w]?.message).find(Boolean)
    if (!wrapper) break
    message = wrapper
  }
  if (message.deviceSentMessage || message.protocolMessage) return undefined
  if (message.conversation != null) return { type: 'text', text: message.conversation, summary: message.conversation }
  const ext = message.extendedTextMessage
  if (ext?.text != null) return { type: 'text', text: ext.text, summary: ext.text }
  const key = Object.keys(message).find((k) => !IGNORED.has(k) && message[k as keyof proto.IMessage] != null)
  if (!key) return undefined
  const type = key.replace(/Message$/, '')
  const body = message[key as keyof proto.IMessage] as { caption?: string | null; text?: string | null } | null
  const caption = body?.caption ?? undefined
  if (type === 'reaction') return { type, text: body?.text ?? undefined, summary: `reaction ${body?.text ?? ''}`.trim() }
  return { type, text: caption, summary: caption ? `[${type}] ${caption}` : `[${type}]` }
}
