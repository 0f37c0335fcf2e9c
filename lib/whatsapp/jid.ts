import { jidDecode, jidNormalizedUser } from '@whiskeysockets/baileys'

/** The phone number (digits) of a user JID such as "15550001:3@s.whatsapp.net". */
export function phoneOfJid(jid: string): string | null {
  const user = jidDecode(jid)?.user
  return user && /^\d+$/.test(user) ? user : null
}

/** A user JID without its device part ("15550001:3@s.whatsapp.net" → "15550001@s.whatsapp.net"), as groups name members. */
export function userJid(jid: string): string {
  return jidNormalizedUser(jid)
}
