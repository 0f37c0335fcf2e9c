import { redirect } from 'next/navigation'
import { AppError } from '@/lib/errors'
import type { OperatorView } from '@/lib/db/operators'
import { getRuntime } from '@/lib/runtime'
import { auth } from './index'
import { operatorFromClaims } from './session-check'

export { operatorFromClaims, sessionFromClaims, type ActiveSession, type SessionClaims } from './session-check'

export async function getCurrentOperator(): Promise<OperatorView | null> {
  const session = await auth()
  if (!session?.user) return null
  const { id, sv, sid, at } = session.user
  return operatorFromClaims(getRuntime().db, { uid: id, sv, sid, at })
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
