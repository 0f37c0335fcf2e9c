import { listChats } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(listChats, ({ params, query, ctx }) => {
    const page = ctx.rt.messages.listChats(params.accountId, query)
    return { data: page.items, nextCursor: page.nextCursor }
  }),
)
