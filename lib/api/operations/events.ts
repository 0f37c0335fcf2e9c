import { defineOperation } from '../operation'
import { EventPage, EventPageQuery, EventStreamHeaders, EventStreamQuery } from '../schemas/event-stream'

const tag = 'Events'
// The stream's base scope: account events need it; message events need messages:read as well.
const auth = { scope: 'accounts:read' } as const

const VISIBILITY =
  'An account key sees only its own account. Message events (`message.*`, which carry message content) need the `messages:read` scope as well; asking for them without it is a 403 naming the scope.'

export const listEvents = defineOperation({
  id: 'listEvents',
  method: 'GET',
  path: '/events',
  tag,
  summary: 'Read events as pages (polling)',
  description: `The outbox's events, oldest first, exactly as webhooks receive them. Start without \`after\` (the oldest kept event) and pass each answer's \`next\` as the following \`after\`. ${VISIBILITY} A position older than MESSAGE_RETENTION_DAYS answers 410 \`cursor_expired\`.`,
  auth,
  query: EventPageQuery,
  success: {
    status: 200,
    description: 'One page of events',
    schema: EventPage,
    example: { data: [], next: '01JD3K6W1M2Q8Y4T0V5R7N9B2C', hasMore: false },
  },
  errors: ['cursor_expired', 'validation_failed'],
})

export const streamEvents = defineOperation({
  id: 'streamEvents',
  method: 'GET',
  path: '/events/stream',
  tag,
  summary: 'Stream events (Server-Sent Events)',
  description: `Every event as it is committed, as \`text/event-stream\`: each event's \`id\` is its outbox id, \`event\` its type and \`data\` exactly the webhook payload. Reconnect with \`Last-Event-ID\` (EventSource does) or \`?after=\` to receive every stored event after that id, in order, then live ones, with no gap and no duplicate. Without a position the stream starts now. A comment line every 15 s keeps proxies from closing it (with an \`id:\` line when events your filter left out moved the position). ${VISIBILITY} The stream ends with a \`stream.error\` event (\`data: {"error": {"code", "message"}}\`) when the position is older than the retention (\`cursor_expired\`: read what you missed through the API, then reconnect without a position), when the client takes nothing for 30 s while events wait (\`slow_consumer\`: reconnect to resume), or when the key is revoked (\`unauthorized\`). At most 5 streams per key (429). The key goes in the Authorization header; \`?apiKey=\` only with ALLOW_QUERY_API_KEY=true.`,
  auth,
  query: EventStreamQuery,
  headers: EventStreamHeaders,
  // HEAD would open a stream only to throw it away
  noHead: true,
  success: { status: 200, description: 'The stream', binary: { contentType: 'text/event-stream' } },
  errors: ['rate_limited', 'validation_failed'],
})

export const eventOperations = [listEvents, streamEvents]
