import { rotateWebhookSecret } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReach } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(rotateWebhookSecret, ({ params, body, ctx }) => {
    const { webhooks } = ctx.rt
    assertMayReach(ctx.principal, webhooks.get(ctx.principal.accountId, params.webhookId), { sendsContent: false })
    return webhooks.rotateSecret(
      ctx.principal.accountId,
      params.webhookId,
      body.overlapSeconds === undefined ? undefined : body.overlapSeconds * 1000,
    )
  }),
)
