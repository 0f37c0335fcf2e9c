import type { Metadata } from 'next'
import { WebhooksForAdmins } from '@/components/webhooks/admins-only'
import { NewEndpoint } from '@/components/webhooks/webhook-actions'
import { WebhooksBoard } from '@/components/webhooks/webhooks-board'
import { PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { roleAllows } from '@/lib/keys/scopes'
import { DELIVERY_STATUSES, EVENT_TYPES } from '@/lib/webhooks/service'
import { getRuntime } from '@/lib/runtime'
import type { DeliveryView } from '@/lib/webhooks/service'

export const metadata: Metadata = { title: 'Webhooks' }
export const dynamic = 'force-dynamic'

const PAGE = 25
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

/**
 * Webhook endpoints with their health, and the deliveries of the selected one (filters by status and
 * event type, pages by id, every attempt). Read on the server, then kept live over Socket.IO by the
 * board; the actions call the REST API with the session. Only for roles holding `webhooks:manage`, as
 * in the API: a viewer is told to ask an admin and nothing of the endpoints is read.
 */
export default async function WebhooksPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const operator = await requireOperatorPage()
  const description =
    'Endpoints receive every event they subscribe to, signed (Standard Webhooks), retried on failure, in order unless they opt out.'
  if (!roleAllows(operator.role, 'webhooks:manage'))
    return (
      <>
        <PageHeader title="Webhooks" description={description} />
        <WebhooksForAdmins />
      </>
    )
  const canEdit = operator.role === 'admin'
  const { webhooks, sessions, recentEvents } = getRuntime()
  // Read before the data: events after this position are replayed to the page, so none falls between.
  const position = recentEvents.position()
  const params = await searchParams
  const endpoints = webhooks.list(null)
  const selected = endpoints.find((e) => e.id === one(params.endpoint)) ?? endpoints[0]
  const status = DELIVERY_STATUSES.find((s) => s === one(params.status))
  const eventType = EVENT_TYPES.find((t) => t === one(params.type))
  const before = Number(one(params.before)) || undefined
  const page = selected
    ? webhooks.deliveries(null, selected.id, { status, eventType, before, limit: PAGE })
    : { data: [] as DeliveryView[], nextBefore: null }

  return (
    <>
      <PageHeader title="Webhooks" description={description} />
      {canEdit ? <NewEndpoint accounts={sessions.list().map((a) => ({ id: a.id, name: a.name }))} /> : null}
      <WebhooksBoard
        endpoints={endpoints}
        selectedId={selected?.id ?? null}
        deliveries={page.data}
        nextBefore={page.nextBefore}
        filters={{ status, eventType, before }}
        position={position}
        canEdit={canEdit}
        limit={PAGE}
      />
    </>
  )
}
