import { getSendQueue, setSendPacing } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getSendQueue, ({ params, ctx }) => ctx.rt.messages.queueStatus(params.accountId)),
  route(setSendPacing, ({ params, body, ctx }) => ctx.rt.messages.setPacing(params.accountId, body)),
)
