import { connectAccount } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(connectAccount, ({ params, ctx }) => ctx.rt.sessions.connect(params.accountId)),
)
