import { resetAccount } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(resetAccount, ({ params, ctx }) => ctx.rt.sessions.reset(params.accountId)),
)
