import { revokeApiKey } from '@/lib/api/operations/api-keys'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(revokeApiKey, ({ params, ctx }) => ctx.rt.keys.revoke(params.keyId, ctx.principal.id)),
)
