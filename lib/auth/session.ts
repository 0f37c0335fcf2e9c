import { redirect } from 'next/navigation'
import { AppError } from '@/lib/errors'
import { findOperatorById, type OperatorView, toOperatorView } from '@/lib/db/operators'
import type { DB } from '@/lib/db/client'
import { getRuntime } from '@/lib/runtime'
import { auth } from './index'

/** The JWT claims the gateway checks against the database. */
export type SessionClaims = { uid?: string | null; sv?: number | null }

/**
 * The operator behind a session, or null when the session is missing, the operator was removed or
 * disabled, or its password/role changed since the session was issued (session version bumped).
 */
export function operatorFromClaims(db: DB, claims: SessionClaims | null | undefined): OperatorView | null {
  const id = Number(claims?.uid)
  if (!claims || !Number.isInteger(id) || id <= 0) return null
  const op = findOperatorById({ db, id })
  if (!op || op.disabled || op.sessionVersion !== claims.sv) return null
  return toOperatorView(op)
}

export async function getCurrentOperator(): Promise<OperatorView | null> {
  const session = await auth()
  if (!session?.user) return null
  return operatorFromClaims(getRuntime().db, { uid: session.user.id, sv: session.user.sv })
}

/** For pages: redirects anonymous visitors to the login page. */
export async function requireOperatorPage(): Promise<OperatorView> {
  const op = await getCurrentOperator()
  if (!op) redirect('/login')
  return op
}

/** For server actions: throws AppError (401/403) instead of redirecting. */
export async function requireOperatorAction(role: 'viewer' | 'admin' = 'viewer'): Promise<OperatorView> {
  const op = await getCurrentOperator()
  if (!op) throw new AppError('unauthorized', 'Your session has ended. Sign in again.')
  if (role === 'admin' && op.role !== 'admin') throw new AppError('forbidden', 'Only admins can do this.')
  return op
}
