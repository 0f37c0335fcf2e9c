import { z } from 'zod'
import { CURSOR } from '@/lib/events/stream-filter'

/** Query and answers of the event stream and its pages (GET /events, GET /events/stream). */

const after = z
  .string()
  .regex(CURSOR, 'must be an event id (a ULID) or 0 for the beginning')
  .meta({ description: 'resume after this event id; `0` for the oldest kept event', examples: ['01JD3K6W1M2Q8Y4T0V5R7N9B2C'] })
const types = z
  .string()
  .max(500)
  .meta({
    description: 'comma-separated event types or prefixes (`message.*`, `account.status`); default every type your scopes allow',
    examples: ['message.received,account.*'],
  })
const accountId = z.string().min(1).max(64).meta({ description: 'only this account’s events (an account key sees only its own anyway)' })

export const EventPageQuery = z.strictObject({
  after: after.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  types: types.optional(),
  accountId: accountId.optional(),
})

export const EventStreamQuery = z.strictObject({
  after: after.optional().meta({ description: 'where to start when no Last-Event-ID header is sent; default: from now on' }),
  types: types.optional(),
  accountId: accountId.optional(),
})

export const EventStreamHeaders = z.object({
  'last-event-id': after.optional().meta({ description: 'sent by EventSource clients when they reconnect; wins over `after`' }),
})

export const EventPage = z
  .object({
    data: z.array(z.unknown().meta({ description: 'an event exactly as webhooks receive it (see `webhooks`)' })),
    next: z.string().meta({ description: 'pass as `after` for the next page (it moves past events your filter left out)' }),
    hasMore: z.boolean(),
  })
  .meta({ id: 'EventPage' })
