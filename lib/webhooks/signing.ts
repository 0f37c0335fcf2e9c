import crypto from 'node:crypto'

/**
 * Standard Webhooks signing: `whsec_` + base64 of 32 random bytes; the signature of a delivery is
 * `v1,` + base64(HMAC-SHA256(secret bytes, `${webhook-id}.${webhook-timestamp}.${body}`)). During a
 * rotation both secrets sign and `webhook-signature` carries both, space-separated: a receiver that
 * knows either one accepts the delivery.
 */
const PREFIX = 'whsec_'

export function newSecret(): string {
  return PREFIX + crypto.randomBytes(32).toString('base64')
}

export function isSecret(value: string): boolean {
  return value.startsWith(PREFIX) && Buffer.from(value.slice(PREFIX.length), 'base64').length >= 24
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
  return `v1,${crypto.createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`
}

/** The Standard Webhooks headers of one attempt (a fresh timestamp each time; the id is the event's). */
export function signatureHeaders(opts: { id: string; body: string; secrets: readonly string[]; now: number }): Record<string, string> {
  const ts = Math.floor(opts.now / 1000)
  return {
    'webhook-id': opts.id,
    'webhook-timestamp': String(ts),
    'webhook-signature': opts.secrets.map((s) => sign(s, opts.id, ts, opts.body)).join(' '),
  }
}
