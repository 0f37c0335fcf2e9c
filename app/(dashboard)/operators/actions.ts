'use server'

import { revalidatePath } from 'next/cache'
import { z } from 'zod'
import { hashPassword, MIN_PASSWORD_LENGTH } from '@/lib/auth/password'
import { requireOperatorAction } from '@/lib/auth/session'
import { writeAudit } from '@/lib/db/audit'
import {
  countOtherActiveAdmins,
  deleteOperator,
  findOperatorByEmail,
  findOperatorById,
  insertOperator,
  updateOperator,
} from '@/lib/db/operators'
import { OPERATOR_ROLES } from '@/lib/db/schema'
import { AppError, isAppError } from '@/lib/errors'
import { getRuntime } from '@/lib/runtime'

export type ActionState = { ok?: string; error?: string }

const password = z.string().min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024)
const CreateInput = z.object({
  email: z.email('Enter a valid email address.').trim().toLowerCase(),
  name: z.string().trim().max(100),
  role: z.enum(OPERATOR_ROLES, 'Choose a role.'),
  password,
})
const IdInput = z.coerce.number().int().positive()

/** Runs an admin-only mutation and turns AppErrors into a message for the form. */
async function adminAction(fn: (actor: { email: string; id: number }) => Promise<string>): Promise<ActionState> {
  try {
    const actor = await requireOperatorAction('admin')
    const ok = await fn(actor)
    revalidatePath('/operators')
    return { ok }
  } catch (err) {
    if (isAppError(err)) return { error: err.message }
    getRuntime().logger.error({ err }, 'operator action failed')
    return { error: 'Something went wrong; nothing was changed.' }
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const res = schema.safeParse(value)
  if (!res.success) throw new AppError('validation_failed', res.error.issues[0]?.message ?? 'Invalid input.')
  return res.data
}

function targetOf(id: number) {
  const op = findOperatorById({ db: getRuntime().db, id })
  if (!op) throw new AppError('not_found', 'That operator no longer exists.')
  return op
}

export async function createOperatorAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction(async (actor) => {
    const input = parse(CreateInput, Object.fromEntries(form))
    const { db } = getRuntime()
    if (findOperatorByEmail({ db, email: input.email }))
      throw new AppError('already_exists', `An operator with email ${input.email} already exists.`)
    insertOperator({ db, email: input.email, name: input.name, role: input.role, passwordHash: await hashPassword(input.password) })
    writeAudit({ db, actor: actor.email, action: 'operator.create', target: input.email, details: { role: input.role } })
    return `Added ${input.email} as ${input.role}.`
  })
}

export async function setOperatorDisabledAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction(async (actor) => {
    const id = parse(IdInput, form.get('id'))
    const disabled = form.get('disabled') === 'true'
    const { db } = getRuntime()
    const target = targetOf(id)
    if (disabled && id === actor.id) throw new AppError('conflict', 'You cannot disable yourself.')
    if (disabled && target.role === 'admin' && countOtherActiveAdmins({ db, exceptId: id }) === 0)
      throw new AppError('conflict', 'The last active admin cannot be disabled.')
    updateOperator({ db, id, patch: { disabled } })
    writeAudit({ db, actor: actor.email, action: disabled ? 'operator.disable' : 'operator.enable', target: target.email })
    return `${target.email} is now ${disabled ? 'disabled' : 'enabled'}.`
  })
}

export async function resetPasswordAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction(async (actor) => {
    const id = parse(IdInput, form.get('id'))
    const newPassword = parse(password, form.get('password'))
    const { db } = getRuntime()
    const target = targetOf(id)
    updateOperator({ db, id, patch: { passwordHash: await hashPassword(newPassword) } })
    writeAudit({ db, actor: actor.email, action: 'operator.reset_password', target: target.email })
    return `Password of ${target.email} reset; their open sessions were signed out.`
  })
}

export async function removeOperatorAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction(async (actor) => {
    const id = parse(IdInput, form.get('id'))
    const { db } = getRuntime()
    const target = targetOf(id)
    if (id === actor.id) throw new AppError('conflict', 'You cannot remove yourself.')
    if (target.role === 'admin' && countOtherActiveAdmins({ db, exceptId: id }) === 0)
      throw new AppError('conflict', 'The last active admin cannot be removed.')
    deleteOperator({ db, id })
    writeAudit({ db, actor: actor.email, action: 'operator.remove', target: target.email })
    return `Removed ${target.email}.`
  })
}
