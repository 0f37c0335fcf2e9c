import { decodeTime } from 'ulid'
import { AppError } from '@/lib/errors'
import { EVENT_TYPES, type EventType, MESSAGE_CONTENT_EVENTS } from '@/lib/vocabulary/event-types'

/**
 * What an event-stream client asked for and may see, and where it may resume: the pure parts of
 * lib/events/stream.ts (filters, positions, the retention horizon), shared with the API's schemas.
 */

/** Who reads and what they may see: the types their scopes allow, one account or all. */
export type EventFilter = { types: readonly EventType[]; accountId: string | null }

/** A position in the stream: an event id, or `0` for the beginning. */
export const CURSOR = /^(0|[0-9A-HJKMNP-TV-Z]{26})$/

const DAY_MS = 86_400_000

/** Every event type a stream can carry: `webhook.test` goes to one endpoint only. */
export const STREAMABLE_TYPES: readonly EventType[] = EVENT_TYPES.filter((t) => t !== 'webhook.test')

/**
 * The streamable types a reader may see. Message events carry message content, so they need
 * `messages:read` (the API's rule for reading messages); the event stream, its pages and the
 * dashboard's event monitor all ask this one question.
 */
export function visibleEventTypes({ readsMessages }: { readsMessages: boolean }): EventType[] {
  return STREAMABLE_TYPES.filter((t) => readsMessages || !(MESSAGE_CONTENT_EVENTS as readonly string[]).includes(t))
}

/**
 * Parses `types=`: a comma list of exact types and prefixes (`message.*`, or `*`). Unknown names are
 * refused rather than matching nothing, so a typo is an error instead of a silent, empty stream.
 */
export function parseTypes(input: string | undefined): { types: EventType[] | null } | { error: string } {
  if (input === undefined || input.trim() === '') return { types: null }
  const out = new Set<EventType>()
  for (const raw of input.split(',')) {
    const item = raw.trim()
    if (!item) continue
    if (item === '*') STREAMABLE_TYPES.forEach((t) => out.add(t))
    else if (item.endsWith('.*')) {
      const prefix = item.slice(0, -1)
      const matched = STREAMABLE_TYPES.filter((t) => t.startsWith(prefix))
      if (matched.length === 0) return { error: `"${item}" matches no event type` }
      matched.forEach((t) => out.add(t))
    } else if ((STREAMABLE_TYPES as readonly string[]).includes(item)) out.add(item as EventType)
    else return { error: `"${item}" is not an event type (${STREAMABLE_TYPES.join(', ')}, or a prefix such as message.*)` }
  }
  return { types: [...out] }
}

/** The cursor's problem, if resuming from it could miss events the retention run deleted. */
export function expiredCursor(after: string, retentionDays: number, now: number): AppError | null {
  if (retentionDays <= 0) return null
  const horizon = now - retentionDays * DAY_MS
  const at = after === '0' ? 0 : decodeTime(after)
  if (at >= horizon) return null
  return new AppError(
    'cursor_expired',
    `Events older than ${retentionDays} days are deleted (MESSAGE_RETENTION_DAYS), so the stream cannot resume from ${after}. ` +
      'Read what you missed through the API (GET /api/v1/accounts/{accountId}/messages), then open the stream without a position.',
  )
}
