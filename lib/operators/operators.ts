import { hashPassword, MIN_PASSWORD_LENGTH } from '@/lib/auth/password'
import { writeAudit } from '@/lib/db/audit'
import type { DB } from '@/lib/db/client'
import { endSessionsOfOperator } from '@/lib/db/operator-sessions'
import {
  countOtherActiveAdmins,
  deleteOperator,
  findOperatorByEmail,
  findOperatorById,
  insertOperator,
  listOperators,
  type Operator,
  type OperatorView,
  toOperatorView,
  updateOperator,
} from '@/lib/db/operators'
import { OPERATOR_ROLES, type OperatorRole } from '@/lib/db/schema'
import { AppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import type { OperatorChange } from '@/lib/events/types'

export { MIN_PASSWORD_LENGTH, OPERATOR_ROLES, type OperatorRole, type OperatorView }

/**
 * The operator rules, in one place for pages, server actions and routes: who may change whom, and
 * that the gateway never ends up without an active admin. Each change re-reads the actor, the target
 * and the admin count inside the IMMEDIATE transaction that writes it, so two admins acting on each
 * other at once (from two processes or connections) cannot both pass a check the other invalidates.
 * A change that must end the target's sessions ends its session rows in the same transaction and is
 * announced on the bus after commit (the realtime gateway disconnects the sockets).
 */
export type OperatorDeps = { db: DB; bus: EventBus }
/** The signed-in admin who acts, and the address the request came from (for the audit log). */
export type Actor = { id: number; ip?: string }

/** Who did it, as the audit log records every change: the operator's id and the request's address. */
const auditActor = (me: { id: number; email: string }, actor: Actor) => ({ actor: me.email, actorId: `operator:${me.id}`, ip: actor.ip })

export function listAllOperators({ db }: { db: DB }): OperatorView[] {
  return listOperators({ db })
}

function inTransaction<T>(db: DB, fn: () => T): T {
  return db.$client.transaction(fn).immediate()
}

/** The actor as the database has it now: still there, enabled, and an admin. */
function activeAdmin(db: DB, actor: Actor): Operator {
  const op = findOperatorById({ db, id: actor.id })
  if (!op || op.disabled) throw new AppError('unauthorized', 'Your session has ended. Sign in again.')
  if (op.role !== 'admin') throw new AppError('forbidden', 'Only admins can do this.')
  return op
}

function targetOf(db: DB, id: number): Operator {
  const op = findOperatorById({ db, id })
  if (!op) throw new AppError('not_found', 'That operator no longer exists.')
  return op
}

function keepsAnAdmin(db: DB, target: Operator, what: string): void {
  if (target.role === 'admin' && !target.disabled && countOtherActiveAdmins({ db, exceptId: target.id }) === 0)
    throw new AppError('conflict', `The last active admin cannot be ${what}.`)
}

function announce(bus: EventBus, operatorId: number, change: OperatorChange): void {
  bus.emit('operator.changed', { operatorId, change })
}

export async function createOperator(
  { db }: OperatorDeps,
  actor: Actor,
  input: { email: string; name: string; role: OperatorRole; password: string },
): Promise<OperatorView> {
  activeAdmin(db, actor)
  if (findOperatorByEmail({ db, email: input.email }))
    throw new AppError('already_exists', `An operator with email ${input.email} already exists.`)
  const passwordHash = await hashPassword(input.password)
  return inTransaction(db, () => {
    const me = activeAdmin(db, actor)
    if (findOperatorByEmail({ db, email: input.email }))
      throw new AppError('already_exists', `An operator with email ${input.email} already exists.`)
    const op = insertOperator({ db, email: input.email, name: input.name, role: input.role, passwordHash })
    writeAudit({ db, ...auditActor(me, actor), action: 'operator.create', target: op.email, details: { role: op.role } })
    return toOperatorView(op)
  })
}

export function setOperatorDisabled(
  { db, bus }: OperatorDeps,
  actor: Actor,
  { id, disabled }: { id: number; disabled: boolean },
): OperatorView {
  const target = inTransaction(db, () => {
    const me = activeAdmin(db, actor)
    const target = targetOf(db, id)
    if (disabled && id === me.id) throw new AppError('conflict', 'You cannot disable yourself.')
    if (disabled) keepsAnAdmin(db, target, 'disabled')
    const updated = updateOperator({ db, id, patch: { disabled } }) ?? target
    if (disabled) endSessionsOfOperator({ db, operatorId: id, reason: 'operator_changed' })
    writeAudit({ db, ...auditActor(me, actor), action: disabled ? 'operator.disable' : 'operator.enable', target: target.email })
    return updated
  })
  announce(bus, id, disabled ? 'disabled' : 'enabled')
  return toOperatorView(target)
}

export function setOperatorRole({ db, bus }: OperatorDeps, actor: Actor, { id, role }: { id: number; role: OperatorRole }): OperatorView {
  const updated = inTransaction(db, () => {
    const me = activeAdmin(db, actor)
    const target = targetOf(db, id)
    if (id === me.id) throw new AppError('conflict', 'You cannot change your own role.')
    if (target.role === role) return target
    if (role !== 'admin') keepsAnAdmin(db, target, 'made a viewer')
    const updated = updateOperator({ db, id, patch: { role } }) ?? target
    endSessionsOfOperator({ db, operatorId: id, reason: 'operator_changed' })
    writeAudit({ db, ...auditActor(me, actor), action: 'operator.role', target: target.email, details: { from: target.role, to: role } })
    return updated
  })
  announce(bus, id, 'role')
  return toOperatorView(updated)
}

export async function resetOperatorPassword(
  { db, bus }: OperatorDeps,
  actor: Actor,
  { id, password }: { id: number; password: string },
): Promise<OperatorView> {
  activeAdmin(db, actor)
  targetOf(db, id)
  const passwordHash = await hashPassword(password)
  const updated = inTransaction(db, () => {
    const me = activeAdmin(db, actor)
    const target = targetOf(db, id)
    const updated = updateOperator({ db, id, patch: { passwordHash } }) ?? target
    endSessionsOfOperator({ db, operatorId: id, reason: 'operator_changed' })
    writeAudit({ db, ...auditActor(me, actor), action: 'operator.reset_password', target: target.email })
    return updated
  })
  announce(bus, id, 'password')
  return toOperatorView(updated)
}

export function removeOperator({ db, bus }: OperatorDeps, actor: Actor, { id }: { id: number }): OperatorView {
  const removed = inTransaction(db, () => {
    const me = activeAdmin(db, actor)
    const target = targetOf(db, id)
    if (id === me.id) throw new AppError('conflict', 'You cannot remove yourself.')
    keepsAnAdmin(db, target, 'removed')
    deleteOperator({ db, id })
    writeAudit({ db, ...auditActor(me, actor), action: 'operator.remove', target: target.email })
    return target
  })
  announce(bus, id, 'removed')
  return toOperatorView(removed)
}
