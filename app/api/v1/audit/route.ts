import { listAudit } from '@/lib/api/operations/system'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(route(listAudit, ({ query, ctx }) => ctx.rt.audit.list(query)))
