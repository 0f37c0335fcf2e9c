import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { AuthCard } from '@/components/auth-card'
import { countOperators } from '@/lib/db/operators'
import { getRuntime } from '@/lib/runtime'
import { SetupForm } from './setup-form'

export const metadata: Metadata = { title: 'First-run setup' }
export const dynamic = 'force-dynamic'

/** One-time page: open only while no operator exists. */
export default function SetupPage() {
  if (countOperators({ db: getRuntime().db }) > 0) redirect('/login')
  return (
    <AuthCard title="Welcome" subtitle="Create the first admin. This page closes for good once an operator exists.">
      <SetupForm />
    </AuthCard>
  )
}
