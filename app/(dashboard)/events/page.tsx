import type { Metadata } from 'next'
import { EventMonitor } from '@/components/events/event-monitor'
import { PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { MONITORED_EVENTS } from '@/lib/realtime/recent-events'
import { getRuntime } from '@/lib/runtime'

export const metadata: Metadata = { title: 'Events' }
export const dynamic = 'force-dynamic'

export default async function EventsPage() {
  const operator = await requireOperatorPage()
  const { sessions, recentEvents } = getRuntime()
  const position = recentEvents.position()
  const accountIds = sessions.list().map((a) => a.id)
  return (
    <>
      <PageHeader
        title="Event monitor"
        description={`Every domain event of this gateway as it happens.${operator.role === 'admin' ? '' : ' QR and pairing codes are left out for viewers.'}`}
      />
      <EventMonitor eventNames={[...MONITORED_EVENTS].sort()} accountIds={accountIds} position={position} />
    </>
  )
}
