import { disconnectAccount } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(disconnectAccount, ({ params, ctx }) => ctx.rt.sessions.disconnect(params.accountId)),
)
