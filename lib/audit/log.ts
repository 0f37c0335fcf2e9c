import { type AuditInput, type AuditRow, listAudit, writeAudit } from '@/lib/db/audit'
import type { DB } from '@/lib/db/client'

export type AuditEntryInput = AuditInput

export type AuditEntryView = {
  id: number
  at: string
  actor: string
  actorId: string | null
  action: string
  target: string | null
  ip: string | null
  requestId: string | null
  details: unknown
}

export type AuditQuery = {
  actorId?: string
  action?: string
  target?: string
  since?: string
  until?: string
  before?: number
  limit: number
}

const toView = (r: AuditRow): AuditEntryView => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  actor: r.actor,
  actorId: r.actorId,
  action: r.action,
  target: r.target,
  ip: r.ip,
  requestId: r.requestId,
  details: r.details ?? null,
})

/** The audit log: the route wrapper records every successful write; admins read it back, newest first. */
export class AuditLog {
  constructor(private readonly deps: { db: DB }) {}

  record(entry: AuditEntryInput): void {
    writeAudit({ db: this.deps.db, ...entry })
  }

  list(q: AuditQuery): { data: AuditEntryView[]; nextBefore: number | null } {
    const ms = (v: string | undefined) => (v === undefined ? undefined : Date.parse(v))
    const rows = listAudit({
      db: this.deps.db,
      filter: { actorId: q.actorId, action: q.action, target: q.target, since: ms(q.since), until: ms(q.until) },
      before: q.before,
      limit: q.limit + 1,
    })
    const page = rows.slice(0, q.limit)
    return { data: page.map(toView), nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null }
  }
}
