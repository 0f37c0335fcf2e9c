import { listWebhookDeliveries } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(listWebhookDeliveries, ({ params, query, ctx }) =>
    ctx.rt.webhooks.deliveries(ctx.principal.accountId, params.webhookId, {
      ...query,
      since: query.since === undefined ? undefined : Date.parse(query.since),
      until: query.until === undefined ? undefined : Date.parse(query.until),
    }),
  ),
)
