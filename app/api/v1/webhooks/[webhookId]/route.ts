import { deleteWebhook, getWebhook, updateWebhook } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getWebhook, ({ params, ctx }) => ctx.rt.webhooks.get(ctx.principal.accountId, params.webhookId)),
  route(updateWebhook, ({ params, body, ctx }) => ctx.rt.webhooks.update(ctx.principal.accountId, params.webhookId, body)),
  route(deleteWebhook, ({ params, ctx }) => ctx.rt.webhooks.remove(ctx.principal.accountId, params.webhookId)),
)
