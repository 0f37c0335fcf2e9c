import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm'
import type { DB } from './client'
import { auditLog } from './schema'

export type AuditRow = typeof auditLog.$inferSelect

/** One audit row as callers give it: who, what, on what, from where. */
export type AuditInput = {
  actor: string
  actorId?: string
  action: string
  target?: string
  ip?: string
  requestId?: string
  details?: unknown
}

export function writeAudit({ db, actor, actorId, action, target, ip, requestId, details }: AuditInput & { db: DB }): void {
  db.insert(auditLog)
    .values({
      actor,
      actorId: actorId ?? null,
      action,
      target: target ?? null,
      ip: ip ?? null,
      requestId: requestId ?? null,
      details: details ?? null,
    })
    .run()
}

export type AuditEntry = AuditRow

/** The newest entries of one action, newest first. */
export function listAuditEntries({ db, action, limit }: { db: DB; action: string; limit: number }): AuditEntry[] {
  return db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)).limit(limit).all()
}

export type AuditFilter = { actorId?: string; action?: string; target?: string; since?: number; until?: number }

/** Newest first; `before` is the id of the last row of the previous page (keyset pagination). */
export function listAudit({ db, filter, before, limit }: { db: DB; filter: AuditFilter; before?: number; limit: number }): AuditRow[] {
  const where: SQL[] = []
  if (filter.actorId !== undefined) where.push(eq(auditLog.actorId, filter.actorId))
  if (filter.action !== undefined) where.push(eq(auditLog.action, filter.action))
  if (filter.target !== undefined) where.push(eq(auditLog.target, filter.target))
  if (filter.since !== undefined) where.push(gte(auditLog.at, filter.since))
  if (filter.until !== undefined) where.push(lte(auditLog.at, filter.until))
  if (before !== undefined) where.push(lt(auditLog.id, before))
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(limit)
    .all()
}
