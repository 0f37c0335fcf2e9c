import crypto from 'node:crypto'
import { and, eq, isNull, lt } from 'drizzle-orm'
import type { DB } from './client'
import { operatorSessions } from './schema'

export type OperatorSession = typeof operatorSessions.$inferSelect
export type SessionEndReason = 'signed_out' | 'operator_changed'

export function insertOperatorSession({
  db,
  operatorId,
  createdAt,
  expiresAt,
  ip,
}: {
  db: DB
  operatorId: number
  createdAt: number
  expiresAt: number
  ip: string
}): OperatorSession {
  const id = crypto.randomBytes(18).toString('base64url')
  return db.insert(operatorSessions).values({ id, operatorId, createdAt, expiresAt, ip }).returning().get()
}

export function findOperatorSession({ db, id }: { db: DB; id: string }): OperatorSession | undefined {
  return db.select().from(operatorSessions).where(eq(operatorSessions.id, id)).get()
}

/** Ends one session; returns it when it was still open (so the caller can announce it), else undefined. */
export function endOperatorSession({ db, id, reason }: { db: DB; id: string; reason: SessionEndReason }): OperatorSession | undefined {
  return db
    .update(operatorSessions)
    .set({ endedAt: Date.now(), endReason: reason })
    .where(and(eq(operatorSessions.id, id), isNull(operatorSessions.endedAt)))
    .returning()
    .get()
}

/** Ends every open session of one operator. */
export function endSessionsOfOperator({ db, operatorId, reason }: { db: DB; operatorId: number; reason: SessionEndReason }): number {
  return db
    .update(operatorSessions)
    .set({ endedAt: Date.now(), endReason: reason })
    .where(and(eq(operatorSessions.operatorId, operatorId), isNull(operatorSessions.endedAt)))
    .run().changes
}

/** Forgets sessions that expired before `before` (they are refused either way). */
export function pruneOperatorSessions({ db, before }: { db: DB; before: number }): number {
  return db.delete(operatorSessions).where(lt(operatorSessions.expiresAt, before)).run().changes
}
