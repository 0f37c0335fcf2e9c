import { testWebhook } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(testWebhook, ({ params, ctx }) => ctx.rt.webhooks.test(ctx.principal.accountId, params.webhookId)),
)
