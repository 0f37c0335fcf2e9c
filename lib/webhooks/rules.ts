/**
 * What a webhook endpoint may subscribe to and which custom headers it may send: shared by the API
 * schema, the service, the worker and the dashboard's forms (no server imports, so the browser can
 * use it too).
 */

import { MESSAGE_CONTENT_EVENTS } from '../vocabulary/event-types'

export { MESSAGE_CONTENT_EVENTS, SUBSCRIBABLE, type SubscribableEvent } from '../vocabulary/event-types'
export { DELIVERY_STATUSES, type DeliveryStatus } from '../vocabulary/statuses'

/** Whether an endpoint with this event filter receives message content (null = every event, so yes). */
export function carriesMessageContent(events: readonly string[] | null): boolean {
  return events === null || events.some((e) => (MESSAGE_CONTENT_EVENTS as readonly string[]).includes(e))
}

/** An HTTP token (RFC 9110), at most 64 characters. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/
export const MAX_HEADERS = 20
export const MAX_HEADER_VALUE = 1024

/** What the gateway sends itself: the body's type, its own name and the Standard Webhooks headers. */
const GATEWAY_SET = new Set(['content-type', 'user-agent'])
/**
 * Hop-by-hop and framing headers (RFC 9110 §7.6.1, §6.4): they describe this connection or the body's
 * length, so a custom value would break the request or smuggle a second one through a proxy.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length'])
/**
 * Headers a receiver or its proxy reads as whom the request is for and who sends it from where: a
 * custom value would misroute it (Host) or speak for the gateway's network (a forged client address,
 * a cookie session).
 */
const IDENTITY = new Set(['host', 'cookie', 'forwarded', 'via', 'x-real-ip'])
const IDENTITY_PREFIXES = ['x-forwarded-']
const HOP_PREFIXES = ['proxy-']

/** Why a name is the gateway's own, a hop-by-hop or an identity header; null for a custom one. */
function reservedProblem(name: string): string | null {
  const n = name.toLowerCase()
  if (GATEWAY_SET.has(n) || n.startsWith('webhook-')) return 'is set by the gateway and cannot be replaced'
  if (HOP_BY_HOP.has(n) || HOP_PREFIXES.some((p) => n.startsWith(p))) return 'is a hop-by-hop or framing header and cannot be set'
  if (IDENTITY.has(n) || IDENTITY_PREFIXES.some((p) => n.startsWith(p))) return 'names the target or the caller and cannot be set'
  return null
}

/**
 * The `webhook-*` headers (id, timestamp, signature), the gateway's own, the hop-by-hop and the
 * identity ones (Cookie, Forwarded, X-Forwarded-*) cannot be set. Names compare case-insensitively.
 */
export function isReservedHeader(name: string): boolean {
  return reservedProblem(name) !== null
}

/** Why a custom header name is refused, or null when it is fine. */
export function headerNameProblem(name: string): string | null {
  if (!HEADER_NAME.test(name)) return "is not a header name (letters, digits and !#$%&'*+.^_`|~-, at most 64)"
  return reservedProblem(name)
}

/**
 * Why a custom header value is refused, or null when it is fine. HTTP/1.1 carries header values as
 * bytes, read as Latin-1: tab, printable ASCII and the printable Latin-1 range (U+00A0–U+00FF) only.
 * CR and LF would end the header (header injection); other control characters (C0, DEL, C1) are
 * refused too, since receivers and proxies treat them inconsistently.
 */
export function headerValueProblem(value: string): string | null {
  if (value.length > MAX_HEADER_VALUE) return `must be at most ${MAX_HEADER_VALUE} characters`
  if (/[\r\n]/.test(value)) return 'must be one line'
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\x00-\x08\x0a-\x1f\x7f-\x9f]/.test(value)) return 'must not contain control characters'
  if (/[\u0100-\u{10ffff}]/u.test(value)) return 'must be Latin-1 text (ISO-8859-1): other characters cannot be sent in a header'
  return null
}

/**
 * The custom headers after a change: `set` (new or replaced values) plus the stored headers named in
 * `keep`, which keep their values without anyone sending them again. Names compare case-insensitively
 * (HTTP does); a kept header keeps its stored spelling. Headers that were stored keep their place, new
 * ones follow. Returns the headers, or why they are refused.
 */
export function mergeHeaders(
  stored: Record<string, string>,
  set: Record<string, string>,
  keep: readonly string[],
): { headers: Record<string, string> } | { error: string; name?: string } {
  const given = new Map<string, [string, string]>()
  for (const [name, value] of Object.entries(set)) {
    const problem = headerNameProblem(name) ?? headerValueProblem(value)
    if (problem) return { error: `${name} ${problem}`, name }
    if (given.has(name.toLowerCase())) return { error: `${name} is given twice`, name }
    given.set(name.toLowerCase(), [name, value])
  }
  const kept = new Set<string>()
  for (const name of keep) {
    const key = name.toLowerCase()
    if (!Object.keys(stored).some((k) => k.toLowerCase() === key)) return { error: `${name} has no stored value to keep`, name }
    if (given.has(key) || kept.has(key)) return { error: `${name} is both kept and given a new value`, name }
    kept.add(key)
  }
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(stored)) {
    const key = name.toLowerCase()
    if (kept.has(key)) out[name] = value
    const replaced = given.get(key)
    if (replaced) out[replaced[0]] = replaced[1]
    given.delete(key)
  }
  for (const [name, value] of given.values()) out[name] = value
  if (Object.keys(out).length > MAX_HEADERS) return { error: `at most ${MAX_HEADERS} headers` }
  return { headers: out }
}
