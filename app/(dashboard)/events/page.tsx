import type { Metadata } from 'next'
import { EventMonitor } from '@/components/events/event-monitor'
import { PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { monitorTypesFor, recentOutboxEvents } from '@/lib/realtime/outbox-feed'
import { getRuntime } from '@/lib/runtime'

export const metadata: Metadata = { title: 'Events' }
export const dynamic = 'force-dynamic'

/** How many stored events the page opens with (the newest), before live ones arrive. */
const RECENT = 100

export default async function EventsPage() {
  const operator = await requireOperatorPage()
  const { db, sessions } = getRuntime()
  const { events, position } = recentOutboxEvents(db, operator.role, RECENT)
  const accountIds = sessions.list().map((a) => a.id)
  return (
    <>
      <PageHeader
        title="Event monitor"
        description="The gateway's events as webhook endpoints receive them (the same types and JSON): the most recent first, then live ones as they are committed."
      />
      <EventMonitor eventTypes={[...monitorTypesFor(operator.role)].sort()} accountIds={accountIds} initial={events} position={position} />
    </>
  )
}
