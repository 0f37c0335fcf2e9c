import { eventFilterFor } from '@/lib/api/event-filter'
import { streamEvents } from '@/lib/api/operations/events'
import { authenticate } from '@/lib/api/principal'
import { optionalQueryKeyRoute } from '@/lib/api/query-key'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

const stream = route(streamEvents, ({ req, query, ctx }) => {
  const filter = eventFilterFor(ctx.principal, query)
  const body = ctx.rt.eventStreams.stream({
    owner: ctx.principal.id,
    // EventSource sends the last id it saw when it reconnects; it wins over the URL's starting point
    after: req.headers.get('last-event-id') ?? query.after,
    filter,
    // a revoked key (or an ended sign-in) ends the stream at the next heartbeat
    stillAllowed: async () => (await authenticate(req, ctx.rt)).principal?.id === ctx.principal.id,
  })
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: no compression or proxy buffering may hold events back
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  })
})

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(optionalQueryKeyRoute(stream))
