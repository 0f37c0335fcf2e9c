import type { Metadata } from 'next'
import { EmptyState, PageHeader } from '@/components/ui/primitives'

export const metadata: Metadata = { title: 'Webhooks' }

export default function WebhooksPage() {
  return (
    <>
      <PageHeader title="Webhooks" description="Endpoints that receive every inbound and outbound event, signed, with retries." />
      <EmptyState title="No webhook endpoints yet">
        Here you will register endpoints, see each delivery with its attempts and response, and replay events. Deliveries are signed with
        Standard Webhooks signatures and retried across restarts.
      </EmptyState>
    </>
  )
}
