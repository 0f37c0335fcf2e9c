'use server'

import { AuthError, CredentialsSignin } from 'next-auth'
import { signIn } from '@/lib/auth'
import { formText } from '@/lib/http/form'
import { BLOCK_SECONDS } from '@/lib/auth/login-limiter'

export type LoginState = { error?: string; email?: string }

export async function loginAction(_prev: LoginState, form: FormData): Promise<LoginState> {
  const email = formText(form, 'email').trim()
  const password = formText(form, 'password')
  if (!email || !password) return { error: 'Enter your email and password.', email }
  try {
    // On success this throws Next's redirect, which must propagate.
    await signIn('credentials', { email, password, redirectTo: '/accounts' })
    return {}
  } catch (err) {
    if (err instanceof CredentialsSignin && err.code === 'too_many_attempts') {
      return {
        error: `Too many failed sign-in attempts for this email from your address. Try again later (at most ${BLOCK_SECONDS / 60} minutes).`,
        email,
      }
    }
    if (err instanceof CredentialsSignin && err.code === 'busy') {
      return { error: 'The server is busy checking other sign-ins. Try again in a moment.', email }
    }
    if (err instanceof AuthError) return { error: 'Wrong email or password.', email }
    throw err
  }
}
