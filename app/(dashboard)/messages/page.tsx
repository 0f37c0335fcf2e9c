import type { Metadata } from 'next'
import Link from 'next/link'
import { StatusBadge } from '@/components/accounts/status-badge'
import { Card, EmptyState, PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { getRuntime } from '@/lib/runtime'

export const metadata: Metadata = { title: 'Messages' }
export const dynamic = 'force-dynamic'

/** Messages live per account: this page leads to each account's chats. */
export default async function MessagesPage() {
  await requireOperatorPage()
  const accounts = getRuntime().sessions.list()
  return (
    <>
      <PageHeader
        title="Messages"
        description="Every message sent and received, per account: open an account's chats to read, search and send."
      />
      {accounts.length === 0 ? (
        <EmptyState title="No accounts yet">Add and link an account on the Accounts page; its conversations appear here.</EmptyState>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {accounts.map((a) => (
            <li key={a.id}>
              <Card className="flex items-center justify-between gap-2">
                <Link href={`/accounts/${a.id}?tab=chats`} className="min-w-0 truncate font-medium underline">
                  {a.name}
                </Link>
                <StatusBadge status={a.status} />
              </Card>
            </li>
          ))}
        </ul>
      )}
    </>
  )
}
