import type { Metadata } from 'next'
import { AccountsBoard } from '@/components/accounts/accounts-board'
import { PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import type { QrPayload } from '@/lib/events/types'
import { getRuntime } from '@/lib/runtime'

export const metadata: Metadata = { title: 'Accounts' }
export const dynamic = 'force-dynamic'

export default async function AccountsPage() {
  const operator = await requireOperatorPage()
  const { sessions } = getRuntime()
  const accounts = sessions.list()
  const isAdmin = operator.role === 'admin'
  // Linking material is for admins only: a viewer's page never carries a QR code.
  const qrs: QrPayload[] = []
  for (const a of isAdmin ? accounts : []) {
    if (a.status !== 'qr_ready') continue
    try {
      qrs.push(sessions.getQr(a.id))
    } catch {
      // expired between list and read: the next refresh arrives live
    }
  }
  return (
    <>
      <PageHeader title="Accounts" description="Linked WhatsApp accounts and their live session status." />
      <AccountsBoard initialAccounts={accounts} initialQrs={qrs} canEdit={isAdmin} />
    </>
  )
}
