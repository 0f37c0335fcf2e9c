import type { Metadata } from 'next'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { AuthCard } from '@/components/auth-card'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { isSetupOpen } from '@/lib/operators/setup'
import { getRuntime } from '@/lib/runtime'
import { SetupForm } from './setup-form'

export const metadata: Metadata = { title: 'First-run setup' }
export const dynamic = 'force-dynamic'

/** One-time page: open only while no operator exists; a visitor from elsewhere needs the setup token. */
export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!isSetupOpen({ db: getRuntime().db })) redirect('/login')
  const { token } = await searchParams
  const local = trustFromHeaders(await headers()).local
  return (
    <AuthCard title="Welcome" subtitle="Create the first admin. This page closes for good once an operator exists.">
      <SetupForm needsToken={!local} token={typeof token === 'string' ? token : ''} />
    </AuthCard>
  )
}
