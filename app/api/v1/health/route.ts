import { json, route } from '@/lib/api/route'
import { databaseOk } from '@/lib/system/health'

export const dynamic = 'force-dynamic'

export const GET = route({ auth: 'public' }, ({ ctx }) => {
  const { rt } = ctx
  const dbOk = databaseOk(rt.db)
  const body = {
    status: dbOk ? 'ok' : 'unavailable',
    version: rt.version,
    uptime: Math.round((Date.now() - rt.startedAt) / 1000),
    db: dbOk ? 'ok' : 'unavailable',
  }
  return json(body, dbOk ? 200 : 503)
})
