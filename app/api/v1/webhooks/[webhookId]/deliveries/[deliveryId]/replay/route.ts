import { replayWebhookDelivery } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReachStored } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(replayWebhookDelivery, ({ params, ctx }) => {
    const { webhooks } = ctx.rt
    assertMayReachStored(ctx, params.webhookId, { sendsContent: true })
    return webhooks.replay(ctx.principal.accountId, params.webhookId, params.deliveryId)
  }),
)
