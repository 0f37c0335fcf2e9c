import { rotateWebhookSecret } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReachStored } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(rotateWebhookSecret, ({ params, body, ctx }) => {
    const { webhooks } = ctx.rt
    assertMayReachStored(ctx, params.webhookId, { sendsContent: false })
    return webhooks.rotateSecret(
      ctx.principal.accountId,
      params.webhookId,
      body.overlapSeconds === undefined ? undefined : body.overlapSeconds * 1000,
    )
  }),
)
