import { getHealth } from '@/lib/api/operations/system'
import { endpoint, json, route } from '@/lib/api/route'
import { databaseOk } from '@/lib/system/health'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getHealth, ({ ctx }) => {
    const { rt } = ctx
    const dbOk = databaseOk(rt.db)
    const state = dbOk ? ('ok' as const) : ('unavailable' as const)
    const body = { status: state, version: rt.version, uptime: Math.round((Date.now() - rt.startedAt) / 1000), db: state }
    return dbOk ? body : json(body, 503)
  }),
)
