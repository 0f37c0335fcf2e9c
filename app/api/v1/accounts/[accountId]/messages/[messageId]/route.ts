import { deleteMessage, editMessage, getMessage } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getMessage, ({ params, ctx }) => ctx.rt.messages.get(params.accountId, params.messageId)),
  route(editMessage, ({ params, body, ctx }) => ctx.rt.messages.edit(params.accountId, params.messageId, body)),
  route(deleteMessage, ({ params, ctx }) => ctx.rt.messages.delete(params.accountId, params.messageId)),
)
