import { json, route } from '@/lib/api/route'
import { CreateAccountBody } from '@/lib/api/schemas/accounts'

export const dynamic = 'force-dynamic'

export const GET = route({ auth: 'viewer' }, ({ ctx }) => json({ data: ctx.rt.sessions.list() }))

export const POST = route({ auth: 'admin', body: CreateAccountBody }, ({ body, ctx }) =>
  json(ctx.rt.sessions.create({ id: body.id, name: body.name, actor: ctx.actor?.label ?? 'unknown' }), 201),
)
