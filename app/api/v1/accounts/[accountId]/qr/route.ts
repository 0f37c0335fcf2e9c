import { json, route } from '@/lib/api/route'
import { AccountParams } from '@/lib/api/schemas/accounts'

export const dynamic = 'force-dynamic'

export const GET = route({ auth: 'admin', params: AccountParams }, ({ params, ctx }) => {
  const { qr, image, expiresAt } = ctx.rt.sessions.getQr(params.accountId)
  return json({ qr, image, expiresAt: new Date(expiresAt).toISOString() })
})
