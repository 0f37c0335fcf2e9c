import { AppError } from '@/lib/errors'
import type { EventType } from '@/lib/vocabulary/event-types'
import { type EventFilter, parseTypes, visibleEventTypes } from '@/lib/events/stream-filter'
import { allows } from '@/lib/keys/scopes'
import type { Principal } from './principal'

/**
 * What a caller of the event stream (or its pages) sees: the types it asked for, limited to what its
 * scopes allow, of its own account when it is an account key. Message events carry message content,
 * so they need `messages:read` (the API's rule for reading messages); asking for them without it is
 * refused by name rather than answered with a stream that stays silent.
 */
export function eventFilterFor(principal: Principal, query: { types?: string | undefined; accountId?: string | undefined }): EventFilter {
  const parsed = parseTypes(query.types)
  if ('error' in parsed) {
    throw new AppError('validation_failed', `Invalid query: types ${parsed.error}`, { details: [{ path: 'types', message: parsed.error }] })
  }
  const allowed = new Set(visibleEventTypes({ readsMessages: allows(principal.scopes, 'messages:read') }))
  let types: EventType[]
  if (parsed.types === null) types = [...allowed]
  else {
    const hidden = parsed.types.filter((t) => !allowed.has(t))
    if (hidden.length > 0) {
      const who = principal.kind === 'operator' ? 'Your role' : 'This API key'
      throw new AppError(
        'insufficient_scope',
        `${who} lacks the "messages:read" scope that message events need (${hidden.join(', ')}): they carry message content.`,
        { details: { required: 'messages:read', granted: principal.scopes } },
      )
    }
    types = parsed.types
  }
  // an account key reads its own account only (another accountId was already answered 404)
  return { types, accountId: principal.accountId ?? query.accountId ?? null }
}
