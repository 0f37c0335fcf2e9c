import { findOperatorSession } from '@/lib/db/operator-sessions'
import { findOperatorById, type OperatorView, toOperatorView } from '@/lib/db/operators'
import type { DB } from '@/lib/db/client'
import { withinSessionLifetime } from './config'

/** The JWT claims the gateway checks against the database. */
export type SessionClaims = { uid?: string | null; sv?: number | null; sid?: string | null; at?: number | null }

export type ActiveSession = { operator: OperatorView; sessionId: string; expiresAt: number }

/**
 * The operator and server-side session behind a token, or null when: the token is missing or
 * malformed; the sign-in is older than 12 hours (auth time claim, and the session row's fixed
 * expiry); the session was ended (sign-out); the operator was removed or disabled; or its
 * password/role changed since the sign-in (session version bumped).
 */
export function sessionFromClaims(db: DB, claims: SessionClaims | null | undefined, now = Date.now()): ActiveSession | null {
  const id = Number(claims?.uid)
  if (!claims || !Number.isInteger(id) || id <= 0 || !claims.sid || !withinSessionLifetime(claims.at, now)) return null
  const session = findOperatorSession({ db, id: claims.sid })
  if (session?.operatorId !== id || session.endedAt !== null || session.expiresAt <= now) return null
  const op = findOperatorById({ db, id })
  if (!op || op.disabled || op.sessionVersion !== claims.sv) return null
  return { operator: toOperatorView(op), sessionId: session.id, expiresAt: session.expiresAt }
}

export function operatorFromClaims(db: DB, claims: SessionClaims | null | undefined): OperatorView | null {
  return sessionFromClaims(db, claims)?.operator ?? null
}
