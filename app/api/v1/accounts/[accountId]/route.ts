import { deleteAccount, getAccount, renameAccount } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getAccount, ({ params, ctx }) => ({
    ...ctx.rt.sessions.get(params.accountId),
    sendQueue: ctx.rt.messages.queueBrief(params.accountId),
  })),
  route(renameAccount, ({ params, body, ctx }) => ctx.rt.sessions.rename({ id: params.accountId, name: body.name })),
  route(deleteAccount, ({ params, ctx }) => ctx.rt.sessions.remove(params.accountId)),
)
