import { createWebhook, listWebhooks } from '@/lib/api/operations/webhooks'
import { endpoint, route } from '@/lib/api/route'
import { assertMayReach } from '@/lib/api/webhook-reach'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(createWebhook, ({ body, ctx }) => {
    const accountId = ctx.principal.accountId ?? body.accountId ?? null
    assertMayReach(ctx.principal, { accountId, events: body.events ?? null }, { sendsContent: true })
    const { webhook, secret } = ctx.rt.webhooks.create(ctx.principal.accountId, body)
    return { ...webhook, secret }
  }),
  route(listWebhooks, ({ query, ctx }) => ({ data: ctx.rt.webhooks.list(ctx.principal.accountId, query.accountId) })),
)
