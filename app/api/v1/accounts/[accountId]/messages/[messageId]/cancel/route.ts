import { cancelMessage } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(cancelMessage, ({ params, ctx }) => ctx.rt.messages.cancel(params.accountId, params.messageId)),
)
