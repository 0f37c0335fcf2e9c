import type { DB } from './client'
import { auditLog } from './schema'

export function writeAudit({
  db,
  actor,
  action,
  target,
  details,
}: {
  db: DB
  actor: string
  action: string
  target?: string
  details?: unknown
}): void {
  db.insert(auditLog)
    .values({ actor, action, target: target ?? null, details: details ?? null })
    .run()
}
