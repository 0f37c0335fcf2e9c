import { replayFailedWebhookDeliveries } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReachStored } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(replayFailedWebhookDeliveries, ({ params, body, ctx }) => {
    const { webhooks } = ctx.rt
    assertMayReachStored(ctx, params.webhookId, { sendsContent: true })
    return webhooks.replayFailed(ctx.principal.accountId, params.webhookId, {
      since: Date.parse(body.since),
      until: Date.parse(body.until),
    })
  }),
)
