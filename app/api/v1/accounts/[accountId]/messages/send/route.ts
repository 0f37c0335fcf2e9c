import { sendMessageByQuery } from '@/lib/api/operations/messages'
import { queryKeyRoute } from '@/lib/api/query-key'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

const send = route(sendMessageByQuery, ({ params, query, ctx }) =>
  ctx.rt.messages.send(params.accountId, { to: query.to, type: 'text', text: { body: query.text } }),
)
// GET sends here, so the operation is noHead: HEAD answers 405 instead of sending.
export const { HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(send)
export const GET = queryKeyRoute(send)
