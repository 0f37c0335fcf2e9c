import type { Metadata } from 'next'
import { EmptyState, PageHeader } from '@/components/ui/primitives'

export const metadata: Metadata = { title: 'Accounts' }

export default function AccountsPage() {
  return (
    <>
      <PageHeader title="Accounts" description="Linked WhatsApp accounts and their live session status." />
      <EmptyState title="No WhatsApp accounts yet">
        Each linked WhatsApp account appears here as a card with its phone number, live status and actions. Link one by scanning a QR code or entering a
        pairing code on the phone.
      </EmptyState>
    </>
  )
}
