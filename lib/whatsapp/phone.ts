/**
 * Phone numbers as people type them. No imports (unlike ./jid, which needs Baileys): the API's
 * schemas, which the dashboard's browser client loads, normalise with it too.
 */

/** Accepts "+1 555-0001", "15550001"…; returns digits only, or null when it cannot be a phone number. */
export function normalizePhone(input: string): string | null {
  const digits = input.replace(/[\s\-().+]/g, '')
  return /^\d{6,15}$/.test(digits) ? digits : null
}
