import { openApiDocument } from '@/lib/api/openapi'
import { getOpenApi } from '@/lib/api/operations/system'
import { endpoint, json, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getOpenApi, ({ ctx }) => json(openApiDocument(ctx.rt.version))),
)
