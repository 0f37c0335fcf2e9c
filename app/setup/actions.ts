'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { z } from 'zod'
import { signIn } from '@/lib/auth'
import { isAppError } from '@/lib/errors'
import { formText } from '@/lib/http/form'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { MIN_PASSWORD_LENGTH } from '@/lib/operators/operators'
import { createFirstAdmin } from '@/lib/operators/setup'
import { getRuntime } from '@/lib/runtime'

export type SetupState = { error?: string; values?: { name: string; email: string; token: string } }

const SetupInput = z
  .object({
    name: z.string().trim().min(1, 'Enter your name.').max(100),
    email: z.email('Enter a valid email address.').trim().toLowerCase(),
    password: z.string().min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024),
    confirm: z.string(),
    token: z.string().trim().max(200),
  })
  .refine((v) => v.password === v.confirm, { error: 'The two passwords differ.', path: ['confirm'] })

export async function setupAction(_prev: SetupState, form: FormData): Promise<SetupState> {
  const raw = Object.fromEntries(['name', 'email', 'password', 'confirm', 'token'].map((k) => [k, formText(form, k)]))
  const values = { name: raw.name ?? '', email: raw.email ?? '', token: raw.token ?? '' }
  const parsed = SetupInput.safeParse(raw)
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? 'Check the form.', values }
  const { db, env, logger } = getRuntime()
  const local = trustFromHeaders(await headers()).local
  try {
    await createFirstAdmin({ db, dataDir: env.dataDir, logger }, { ...parsed.data, local })
  } catch (err) {
    if (!isAppError(err)) throw err
    if (err.code === 'setup_closed') redirect('/login?setup=closed')
    return { error: err.message, values }
  }
  await signIn('credentials', { email: parsed.data.email, password: parsed.data.password, redirectTo: '/accounts' })
  return {}
}
