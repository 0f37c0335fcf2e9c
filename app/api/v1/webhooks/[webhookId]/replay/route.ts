import { replayFailedWebhookDeliveries } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(replayFailedWebhookDeliveries, ({ params, body, ctx }) =>
    ctx.rt.webhooks.replayFailed(ctx.principal.accountId, params.webhookId, {
      since: Date.parse(body.since),
      until: Date.parse(body.until),
    }),
  ),
)
