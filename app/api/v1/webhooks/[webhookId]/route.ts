import { deleteWebhook, getWebhook, updateWebhook } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReach, assertMayReachStored } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getWebhook, ({ params, ctx }) => ctx.rt.webhooks.get(ctx.principal.accountId, params.webhookId)),
  route(updateWebhook, ({ params, body, ctx }) => {
    const { webhooks } = ctx.rt
    // Both what the endpoint receives now and what it will receive after the change.
    const now = assertMayReachStored(ctx, params.webhookId, { sendsContent: true })
    if (body.events !== undefined) assertMayReach(ctx.principal, { accountId: now.accountId, events: body.events }, { sendsContent: true })
    return webhooks.update(ctx.principal.accountId, params.webhookId, body)
  }),
  route(deleteWebhook, ({ params, ctx }) => {
    const { webhooks } = ctx.rt
    assertMayReachStored(ctx, params.webhookId, { sendsContent: false })
    webhooks.remove(ctx.principal.accountId, params.webhookId)
  }),
)
