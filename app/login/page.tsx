import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { AuthCard } from '@/components/auth-card'
import { getCurrentOperator } from '@/lib/auth/session'
import { countOperators } from '@/lib/db/operators'
import { getRuntime } from '@/lib/runtime'
import { LoginForm } from './login-form'

export const metadata: Metadata = { title: 'Sign in' }
export const dynamic = 'force-dynamic'

export default async function LoginPage() {
  if (countOperators({ db: getRuntime().db }) === 0) redirect('/setup')
  if (await getCurrentOperator()) redirect('/accounts')
  return (
    <AuthCard title="Sign in" subtitle="Operators sign in to manage linked WhatsApp accounts.">
      <LoginForm />
    </AuthCard>
  )
}
