import { deleteWebhook, getWebhook, updateWebhook } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReach } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getWebhook, ({ params, ctx }) => ctx.rt.webhooks.get(ctx.principal.accountId, params.webhookId)),
  route(updateWebhook, ({ params, body, ctx }) => {
    const { webhooks } = ctx.rt
    const now = webhooks.get(ctx.principal.accountId, params.webhookId)
    // Both what the endpoint receives now and what it will receive after the change.
    assertMayReach(ctx.principal, now, { sendsContent: true })
    if (body.events !== undefined) assertMayReach(ctx.principal, { accountId: now.accountId, events: body.events }, { sendsContent: true })
    return webhooks.update(ctx.principal.accountId, params.webhookId, body)
  }),
  route(deleteWebhook, ({ params, ctx }) => {
    const { webhooks } = ctx.rt
    assertMayReach(ctx.principal, webhooks.get(ctx.principal.accountId, params.webhookId), { sendsContent: false })
    webhooks.remove(ctx.principal.accountId, params.webhookId)
  }),
)
