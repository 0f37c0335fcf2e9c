import { logoutAccount } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(logoutAccount, ({ params, ctx }) => ctx.rt.sessions.logout(params.accountId)),
)
