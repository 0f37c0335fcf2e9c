import { desc, eq } from 'drizzle-orm'
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

export type AuditEntry = typeof auditLog.$inferSelect

/** The newest entries of one action, newest first. */
export function listAuditEntries({ db, action, limit }: { db: DB; action: string; limit: number }): AuditEntry[] {
  return db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)).limit(limit).all()
}
