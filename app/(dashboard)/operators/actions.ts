'use server'

import { revalidatePath } from 'next/cache'
import { headers } from 'next/headers'
import { z } from 'zod'
import { requireOperatorAction } from '@/lib/auth/session'
import { AppError, isAppError } from '@/lib/errors'
import {
  type Actor,
  createOperator,
  MIN_PASSWORD_LENGTH,
  OPERATOR_ROLES,
  type OperatorDeps,
  removeOperator,
  resetOperatorPassword,
  setOperatorDisabled,
  setOperatorRole,
} from '@/lib/operators/operators'
import { trustFromHeaders } from '@/lib/http/request-trust'
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

/** Parses the form, runs one operator rule as the signed-in admin, and turns AppErrors into a message for the form. */
async function adminAction(fn: (deps: OperatorDeps, actor: Actor) => Promise<string> | string): Promise<ActionState> {
  try {
    const me = await requireOperatorAction('admin')
    const { db, bus } = getRuntime()
    const ok = await fn({ db, bus }, { id: me.id, ip: trustFromHeaders(await headers()).clientIp })
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

export async function createOperatorAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction(async (deps, actor) => {
    const op = await createOperator(deps, actor, parse(CreateInput, Object.fromEntries(form)))
    return `Added ${op.email} as ${op.role}.`
  })
}

export async function setOperatorDisabledAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction((deps, actor) => {
    const disabled = form.get('disabled') === 'true'
    const op = setOperatorDisabled(deps, actor, { id: parse(IdInput, form.get('id')), disabled })
    return `${op.email} is now ${disabled ? 'disabled' : 'enabled'}.`
  })
}

export async function setOperatorRoleAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction((deps, actor) => {
    const role = parse(z.enum(OPERATOR_ROLES, 'Choose a role.'), form.get('role'))
    const op = setOperatorRole(deps, actor, { id: parse(IdInput, form.get('id')), role })
    return `${op.email} is now ${op.role}; their open sessions were signed out.`
  })
}

export async function resetPasswordAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction(async (deps, actor) => {
    const op = await resetOperatorPassword(deps, actor, {
      id: parse(IdInput, form.get('id')),
      password: parse(password, form.get('password')),
    })
    return `Password of ${op.email} reset; their open sessions were signed out.`
  })
}

export async function removeOperatorAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return adminAction((deps, actor) => {
    const op = removeOperator(deps, actor, { id: parse(IdInput, form.get('id')) })
    return `Removed ${op.email}.`
  })
}
