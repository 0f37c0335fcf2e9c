import { json, route } from '@/lib/api/route'
import { AccountActionParams } from '@/lib/api/schemas/accounts'

export const dynamic = 'force-dynamic'

/** POST /api/v1/accounts/{id}/connect | disconnect | logout | reset */
export const POST = route({ auth: 'admin', params: AccountActionParams }, async ({ params, ctx }) => {
  const { sessions } = ctx.rt
  const actor = ctx.actor?.label ?? 'unknown'
  const id = params.accountId
  switch (params.action) {
    case 'connect':
      return json(await sessions.connect(id, actor), 202)
    case 'disconnect':
      return json(await sessions.disconnect(id, actor))
    case 'logout':
      return json(await sessions.logout(id, actor))
    case 'reset':
      return json(await sessions.reset(id, actor))
  }
})
