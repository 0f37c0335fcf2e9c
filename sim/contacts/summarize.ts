import { proto } from '@whiskeysockets/baileys'

/** A contact card as the recipient sees it: the vCard the sender built, parsed back. */
export type ContactCard = {
  displayName: string
  name: string | undefined
  phones: { number: string; waId: string | undefined }[]
  vcard: string
}

/**
 * What a person would see of one message, with the fields a test needs to check that nothing was lost
 * on the way: the quoted message, mentions, coordinates, vCard fields, a reaction's target, the
 * message an edit or a delete refers to.
 */
export type MessageSummary = {
  type: string
  text?: string
  summary: string
  /** id of the message this one quotes (a reply) */
  quotedId?: string
  /** jid of the quoted message's author */
  quotedParticipant?: string
  /** jids mentioned in a text */
  mentions?: string[]
  location?: { latitude: number; longitude: number; name?: string; address?: string }
  contacts?: ContactCard[]
  /** a reaction: its emoji ('' removes it) and the message it targets */
  reaction?: { targetId: string; emoji: string; targetFromMe: boolean }
  /** an edit: the message it replaces the text of, and the new text */
  edit?: { targetId: string; text: string }
  /** a delete for everyone: the message it removes */
  revoke?: { targetId: string }
  /** the URL a text's link preview was built for, when the sender attached one */
  linkPreview?: { url: string; title?: string }
}

const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'documentWithCaptionMessage', 'editedMessage'] as const
const IGNORED = new Set(['messageContextInfo', 'senderKeyDistributionMessage'])

const unwrap = (input: proto.IMessage): proto.IMessage => {
  let message = input
  for (let depth = 0; depth < 3; depth++) {
    const wrapper = WRAPPERS.map((w) => message[w]?.message).find(Boolean)
    if (!wrapper) break
    message = wrapper
  }
  return message
}

/** vCard 3.0 as WhatsApp writes it: FN, N, ORG and `TEL;type=CELL;waid=15550001:+1 555 0001`. */
export const parseVcard = (vcard: string): Pick<ContactCard, 'name' | 'phones'> => {
  const lines = vcard.split(/\r?\n/).map((l) => l.trim())
  const fn = lines.find((l) => /^FN[:;]/i.test(l))
  const phones = lines
    .filter((l) => /^(item\d+\.)?TEL[:;]/i.test(l))
    .map((l) => {
      const colon = l.indexOf(':')
      const params = l.slice(0, colon)
      const value = l.slice(colon + 1)
      return { number: value.trim(), waId: /waid=(\d+)/i.exec(params)?.[1] }
    })
  return { name: fn ? fn.slice(fn.indexOf(':') + 1).trim() : undefined, phones }
}

const card = (c: proto.Message.IContactMessage): ContactCard => {
  const vcard = c.vcard ?? ''
  return { displayName: c.displayName ?? '', ...parseVcard(vcard), vcard }
}

const contextOf = (message: proto.IMessage): proto.IContextInfo | undefined => {
  for (const value of Object.values(message)) {
    if (value && typeof value === 'object' && 'contextInfo' in value) {
      const ctx = (value as { contextInfo?: proto.IContextInfo | null }).contextInfo
      if (ctx) return ctx
    }
  }
  return undefined
}

const withContext = (summary: MessageSummary, message: proto.IMessage): MessageSummary => {
  const ctx = contextOf(message)
  if (ctx?.stanzaId) {
    summary.quotedId = ctx.stanzaId
    if (ctx.participant) summary.quotedParticipant = ctx.participant
  }
  if (ctx?.mentionedJid?.length) summary.mentions = [...ctx.mentionedJid]
  return summary
}

const protocolSummary = (p: proto.Message.IProtocolMessage): MessageSummary | undefined => {
  const targetId = p.key?.id ?? ''
  if (p.type === proto.Message.ProtocolMessage.Type.REVOKE) return { type: 'delete', summary: `deleted ${targetId}`, revoke: { targetId } }
  if (p.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && p.editedMessage) {
    const edited = unwrap(p.editedMessage)
    const text = edited.conversation ?? edited.extendedTextMessage?.text ?? ''
    return { type: 'edit', text, summary: `edited ${targetId}: ${text}`, edit: { targetId, text } }
  }
  return undefined
}

/**
 * What a person would see of a decrypted message, or undefined for machinery (history sync, device-sent
 * copies, key distribution) that never shows up in a chat.
 */
export const summarizeMessage = (input: proto.IMessage): MessageSummary | undefined => {
  const message = unwrap(input)
  if (message.deviceSentMessage) return undefined
  if (message.protocolMessage) return protocolSummary(message.protocolMessage)
  if (message.conversation != null) return { type: 'text', text: message.conversation, summary: message.conversation }
  const ext = message.extendedTextMessage
  if (ext?.text != null) {
    const summary = withContext({ type: 'text', text: ext.text, summary: ext.text }, message)
    if (ext.matchedText) summary.linkPreview = { url: ext.matchedText, ...(ext.title ? { title: ext.title } : {}) }
    return summary
  }
  const loc = message.locationMessage
  if (loc) {
    const location = {
      latitude: loc.degreesLatitude ?? 0,
      longitude: loc.degreesLongitude ?? 0,
      ...(loc.name ? { name: loc.name } : {}),
      ...(loc.address ? { address: loc.address } : {}),
    }
    return withContext({ type: 'location', summary: `[location] ${location.latitude},${location.longitude}`, location }, message)
  }
  if (message.contactMessage) {
    const c = card(message.contactMessage)
    return withContext({ type: 'contacts', summary: `[contact] ${c.displayName}`, contacts: [c] }, message)
  }
  if (message.contactsArrayMessage) {
    const contacts = (message.contactsArrayMessage.contacts ?? []).map(card)
    return withContext({ type: 'contacts', summary: `[contacts] ${contacts.map((c) => c.displayName).join(', ')}`, contacts }, message)
  }
  if (message.reactionMessage) {
    const r = message.reactionMessage
    const reaction = { targetId: r.key?.id ?? '', emoji: r.text ?? '', targetFromMe: r.key?.fromMe === true }
    return { type: 'reaction', text: reaction.emoji, summary: `reaction ${reaction.emoji}`.trim(), reaction }
  }
  const key = Object.keys(message).find((k) => !IGNORED.has(k) && message[k as keyof proto.IMessage] != null)
  if (!key) return undefined
  const type = key.replace(/Message$/, '')
  const body = message[key as keyof proto.IMessage] as { caption?: string | null } | null
  const caption = body?.caption ?? undefined
  return withContext({ type, text: caption, summary: caption ? `[${type}] ${caption}` : `[${type}]` }, message)
}
