import { eventFilterFor } from '@/lib/api/event-filter'
import { listEvents } from '@/lib/api/operations/events'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(listEvents, ({ query, ctx }) =>
    ctx.rt.eventStreams.page({ after: query.after ?? '0', limit: query.limit, filter: eventFilterFor(ctx.principal, query) }),
  ),
)
