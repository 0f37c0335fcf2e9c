import type { DB } from '@/lib/db/client'
import { appendEvent } from '@/lib/db/events'
import type { EventType } from '@/lib/vocabulary/event-types'
import type { EventDataMap, OutboxEventOf } from './types'

/**
 * Records one outbox event, its data typed by its event type. The caller builds the data (the view
 * it publishes) and calls this inside the transaction of the change it reports: both commit or
 * neither. lib/db's appendEvent stores whatever payload it is given; the types live here, above it.
 */
export function recordEvent<T extends EventType>(
  db: DB,
  e: { type: T; accountId: string | null; messageId?: number | null; data: EventDataMap[T]; at?: number; dispatched?: boolean },
): OutboxEventOf<T> {
  // appendEvent returns the envelope of exactly this type and data
  return appendEvent(db, e) as OutboxEventOf<T>
}
