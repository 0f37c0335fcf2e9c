'use server'

import { redirect } from 'next/navigation'
import { z } from 'zod'
import { signIn } from '@/lib/auth'
import { hashPassword, MIN_PASSWORD_LENGTH } from '@/lib/auth/password'
import { writeAudit } from '@/lib/db/audit'
import { insertFirstAdmin } from '@/lib/db/operators'
import { getRuntime } from '@/lib/runtime'
import { formText } from '@/lib/http/form'

export type SetupState = { error?: string; values?: { name: string; email: string } }

const SetupInput = z
  .object({
    name: z.string().trim().min(1, 'Enter your name.').max(100),
    email: z.email('Enter a valid email address.').trim().toLowerCase(),
    password: z.string().min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { error: 'The two passwords differ.', path: ['confirm'] })

export async function setupAction(_prev: SetupState, form: FormData): Promise<SetupState> {
  const raw = Object.fromEntries(['name', 'email', 'password', 'confirm'].map((k) => [k, formText(form, k)]))
  const values = { name: raw.name ?? '', email: raw.email ?? '' }
  const parsed = SetupInput.safeParse(raw)
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? 'Check the form.', values }
  const { db, logger } = getRuntime()
  const op = insertFirstAdmin({
    db,
    email: parsed.data.email,
    name: parsed.data.name,
    passwordHash: await hashPassword(parsed.data.password),
  })
  if (!op) redirect('/login?setup=closed')
  writeAudit({ db, actor: op.email, action: 'operator.setup', target: op.email })
  logger.info({ operatorId: op.id }, 'first admin created through the setup page')
  await signIn('credentials', { email: parsed.data.email, password: parsed.data.password, redirectTo: '/accounts' })
  return {}
}
