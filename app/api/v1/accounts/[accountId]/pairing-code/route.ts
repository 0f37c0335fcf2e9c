import { requestPairingCode } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(requestPairingCode, async ({ params, body, ctx }) => {
    const { code, expiresAt } = await ctx.rt.sessions.requestPairingCode(params.accountId, body.phone)
    return { code, expiresAt: new Date(expiresAt).toISOString() }
  }),
)
