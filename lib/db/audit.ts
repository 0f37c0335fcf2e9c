import { desc } from 'drizzle-orm'
import type { DB } from './client'
import { auditLog } from './schema'

export function writeAudit({ db, actor, action, target, details }: { db: DB; actor: string; action: string; target?: string; details?: unknown }): void {
  db.insert(auditLog).values({ actor, action, target: target ?? null, details: details ?? null }).run()
}

export function listAudit({ db, limit = 100 }: { db: DB; limit?: number }) {
  return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all()
}
