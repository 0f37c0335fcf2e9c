import { json, route } from '@/lib/api/route'
import { AccountParams, PairingCodeBody } from '@/lib/api/schemas/accounts'

export const dynamic = 'force-dynamic'

export const POST = route({ auth: 'admin', params: AccountParams, body: PairingCodeBody }, async ({ params, body, ctx }) => {
  const { code, expiresAt } = await ctx.rt.sessions.requestPairingCode(params.accountId, body.phone, ctx.actor?.label ?? 'unknown')
  return json({ code, expiresAt: new Date(expiresAt).toISOString() })
})
