import { json, route } from '@/lib/api/route'
import { AccountParams, UpdateAccountBody } from '@/lib/api/schemas/accounts'

export const dynamic = 'force-dynamic'

export const GET = route({ auth: 'viewer', params: AccountParams }, ({ params, ctx }) => json(ctx.rt.sessions.get(params.accountId)))

export const PATCH = route({ auth: 'admin', params: AccountParams, body: UpdateAccountBody }, ({ params, body, ctx }) =>
  json(ctx.rt.sessions.rename({ id: params.accountId, name: body.name, actor: ctx.actor?.label ?? 'unknown' })),
)

export const DELETE = route({ auth: 'admin', params: AccountParams }, async ({ params, ctx }) => {
  await ctx.rt.sessions.remove(params.accountId, ctx.actor?.label ?? 'unknown')
  return new Response(null, { status: 204 })
})
