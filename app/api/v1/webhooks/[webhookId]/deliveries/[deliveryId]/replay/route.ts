import { replayWebhookDelivery } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(replayWebhookDelivery, ({ params, ctx }) => ctx.rt.webhooks.replay(ctx.principal.accountId, params.webhookId, params.deliveryId)),
)
