import { parsePhoneNumberWithError } from 'libphonenumber-js'
import { AppError } from '@/lib/errors'

/** Who a message goes to: the phone JID (with its digits) or a LID. */
export type Recipient = { jid: string; pnJid: string | null; lid: string | null; phone: string | null }

const PN_JID = /^(\d{5,15})(?::\d+)?@(s\.whatsapp\.net|c\.us)$/
const LID_JID = /^(\d{5,20})(?::\d+)?@lid$/

/**
 * A phone number in international format → digits with country code, or null. Spaces, dashes, dots,
 * brackets and a leading `+` (or `00`) are tolerated. Checked for a possible length per country with
 * libphonenumber-js, not for a currently assigned range: number plans change faster than any
 * metadata, and WhatsApp itself is the authority on whether a number exists (the number check).
 */
export function parsePhone(input: string): string | null {
  const trimmed = input.trim().replace(/^00/, '+')
  const withPlus = trimmed.startsWith('+') ? trimmed : `+${trimmed}`
  try {
    const parsed = parsePhoneNumberWithError(withPlus)
    return parsed.isPossible() ? parsed.number.slice(1) : null
  } catch {
    return null
  }
}

/** `to` of a send: a phone number (see parsePhone) or a JID (`…@s.whatsapp.net`, `…@lid`). */
export function parseRecipient(to: string): Recipient {
  const value = to.trim()
  if (value.includes('@')) {
    const pn = PN_JID.exec(value)
    if (pn?.[1]) return { jid: `${pn[1]}@s.whatsapp.net`, pnJid: `${pn[1]}@s.whatsapp.net`, lid: null, phone: pn[1] }
    const lid = LID_JID.exec(value)
    if (lid?.[1]) return { jid: `${lid[1]}@lid`, pnJid: null, lid: `${lid[1]}@lid`, phone: null }
    throw new AppError('validation_failed', `"to" is not a 1:1 WhatsApp JID: ${value}`, { details: { field: 'to' } })
  }
  const phone = parsePhone(value)
  if (!phone) {
    throw new AppError('validation_failed', `"to" is not a phone number in international format (country code first): ${value}`, {
      details: { field: 'to' },
    })
  }
  return { jid: `${phone}@s.whatsapp.net`, pnJid: `${phone}@s.whatsapp.net`, lid: null, phone }
}
