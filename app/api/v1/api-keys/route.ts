import { createApiKey, listApiKeys } from '@/lib/api/operations/api-keys'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(createApiKey, ({ body, ctx }) => {
    const { key, view } = ctx.rt.keys.issue({ ...body, createdBy: ctx.principal.id })
    return { ...view, key }
  }),
  // An account key sees its own account's keys (the wrapper already refused any other accountId).
  route(listApiKeys, ({ query, ctx }) => ({ data: ctx.rt.keys.list(ctx.principal.accountId ?? query.accountId ?? null) })),
)
