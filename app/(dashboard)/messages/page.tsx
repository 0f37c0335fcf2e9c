import type { Metadata } from 'next'
import { EmptyState, PageHeader } from '@/components/ui/primitives'

export const metadata: Metadata = { title: 'Messages' }

export default function MessagesPage() {
  return (
    <>
      <PageHeader title="Messages" description="Every message sent and received by your linked accounts." />
      <EmptyState title="No messages yet">
        The message log will list every inbound and outbound message per account, with delivery and read status, full-text search and a chat
        view. It fills once an account is linked and messages flow.
      </EmptyState>
    </>
  )
}
