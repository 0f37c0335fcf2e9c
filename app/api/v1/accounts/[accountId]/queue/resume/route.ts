import { resumeSendQueue } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(resumeSendQueue, ({ params, ctx }) => ctx.rt.messages.resume(params.accountId)),
)
