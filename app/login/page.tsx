import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { AuthCard } from '@/components/auth-card'
import { Alert } from '@/components/ui/primitives'
import { getCurrentOperator } from '@/lib/auth/session'
import { isSetupOpen } from '@/lib/operators/setup'
import { getRuntime } from '@/lib/runtime'
import { LoginForm } from './login-form'

export const metadata: Metadata = { title: 'Sign in' }
export const dynamic = 'force-dynamic'

/** Why the dashboard sent the browser here (the realtime gateway's `session:ended` reasons). */
const ENDED: Record<string, string> = {
  signed_out: 'You were signed out.',
  expired: 'Your session ended: a sign-in lasts 12 hours. Sign in again.',
  revoked: 'You were signed out: an admin changed your account, or your session ended elsewhere.',
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (isSetupOpen({ db: getRuntime().db })) redirect('/setup')
  if (await getCurrentOperator()) redirect('/accounts')
  const { ended } = await searchParams
  const notice = typeof ended === 'string' ? ENDED[ended] : undefined
  return (
    <AuthCard title="Sign in" subtitle="Operators sign in to manage linked WhatsApp accounts.">
      {notice ? (
        <div className="mb-4" data-testid="signed-out-notice">
          <Alert kind="info">{notice}</Alert>
        </div>
      ) : null}
      <LoginForm />
    </AuthCard>
  )
}
