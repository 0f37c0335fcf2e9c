import { listMessages, sendMessage } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(sendMessage, ({ req, params, body, ctx }) =>
    ctx.rt.messages.send(params.accountId, body, { idempotencyKey: req.headers.get('idempotency-key') ?? undefined }),
  ),
  route(listMessages, ({ params, query, ctx }) => {
    const page = ctx.rt.messages.list(params.accountId, query)
    return { data: page.items, nextCursor: page.nextCursor }
  }),
)
