/**
 * What a webhook endpoint may subscribe to and which custom headers it may send: shared by the API
 * schema, the service, the worker and the dashboard's forms (no server imports, so the browser can
 * use it too).
 */

import { MESSAGE_CONTENT_EVENTS } from '../events/names'

export { MESSAGE_CONTENT_EVENTS, SUBSCRIBABLE, type SubscribableEvent } from '../events/names'

/** Whether an endpoint with this event filter receives message content (null = every event, so yes). */
export function carriesMessageContent(events: readonly string[] | null): boolean {
  return events === null || events.some((e) => (MESSAGE_CONTENT_EVENTS as readonly string[]).includes(e))
}

/** Where a delivery stands: owed (due now or later), delivered, or given up. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/** An HTTP token (RFC 9110), at most 64 characters. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/
export const MAX_HEADERS = 20
export const MAX_HEADER_VALUE = 1024

/** What the gateway sends itself, or what would break the request's framing. */
const RESERVED = new Set(['content-type', 'content-length', 'transfer-encoding', 'connection', 'host', 'user-agent'])

/** The `webhook-*` headers (id, timestamp, signature) and the framing ones cannot be replaced. */
export function isReservedHeader(name: string): boolean {
  const n = name.toLowerCase()
  return RESERVED.has(n) || n.startsWith('webhook-')
}

/** Why a custom header name is refused, or null when it is fine. */
export function headerNameProblem(name: string): string | null {
  if (!HEADER_NAME.test(name)) return "is not a header name (letters, digits and !#$%&'*+.^_`|~-, at most 64)"
  if (isReservedHeader(name)) return 'is set by the gateway and cannot be replaced'
  return null
}

/** Why a custom header value is refused, or null when it is fine. */
export function headerValueProblem(value: string): string | null {
  if (value.length > MAX_HEADER_VALUE) return `must be at most ${MAX_HEADER_VALUE} characters`
  if (/[\r\n\0]/.test(value)) return 'must be one line'
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
