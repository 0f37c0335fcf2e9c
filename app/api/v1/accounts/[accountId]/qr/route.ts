import { getQr } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getQr, ({ params, ctx }) => {
    const { qr, image, expiresAt } = ctx.rt.sessions.getQr(params.accountId)
    return { qr, image, expiresAt: new Date(expiresAt).toISOString() }
  }),
)
