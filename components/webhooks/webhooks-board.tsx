'use client'

import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useCallback, useState } from 'react'
import { Card, EmptyState } from '@/components/ui/primitives'
import { EVENT_TYPES, type EventType } from '@/lib/vocabulary/event-types'
import { DELIVERY_STATUSES, type DeliveryStatus } from '@/lib/vocabulary/statuses'
import type { DeliveryView, WebhookView } from '@/lib/webhooks/views'
import type { EventPosition } from '@/lib/realtime/events'
import { DeliveryList, EndpointCard, when } from './delivery-list'
import { applyDelivery, applyEndpoint, type DeliveryEvent, type EndpointEvent, useWebhookFeed } from './live'
import { EndpointActions, ReplayFailed } from './webhook-actions'

type Filters = { status?: DeliveryStatus; eventType?: EventType; before?: number }
type Initial = { endpoints: WebhookView[]; deliveries: DeliveryView[] }

const selectClass = 'rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-900'

/**
 * The Webhooks page's live part: the endpoints with their health, the selected one's settings and
 * deliveries. Everything changes in place from the webhooks room (no polling): new deliveries appear at
 * the top of the newest page when they match the filters, attempts and outcomes update their rows.
 * After a dropped connection the missed events are replayed; when they cannot be, the page is re-read.
 */
export function WebhooksBoard({
  endpoints: initialEndpoints,
  selectedId,
  deliveries: initialDeliveries,
  nextBefore,
  filters,
  position,
  canEdit,
  limit,
}: {
  endpoints: WebhookView[]
  selectedId: string | null
  deliveries: DeliveryView[]
  nextBefore: number | null
  filters: Filters
  position: EventPosition
  canEdit: boolean
  limit: number
}) {
  const router = useRouter()
  const [initial, setInitial] = useState<Initial>({ endpoints: initialEndpoints, deliveries: initialDeliveries })
  const [endpoints, setEndpoints] = useState(initialEndpoints)
  const [deliveries, setDeliveries] = useState(initialDeliveries)
  // A server re-render (an action, a re-sync) brings fresh data: it replaces what the events built.
  if (initial.endpoints !== initialEndpoints || initial.deliveries !== initialDeliveries) {
    setInitial({ endpoints: initialEndpoints, deliveries: initialDeliveries })
    setEndpoints(initialEndpoints)
    setDeliveries(initialDeliveries)
  }
  const { status, eventType, before } = filters
  const onDelivery = useCallback(
    (e: DeliveryEvent) => {
      if (e.webhook) setEndpoints((list) => applyEndpoint(list, { change: 'updated', webhookId: e.delivery.webhookId, webhook: e.webhook }))
      if (e.delivery.webhookId !== selectedId) return
      setDeliveries((rows) =>
        applyDelivery(rows, e, {
          // new rows belong on the newest page only, and only when the filters let them in
          accept: (d) => before === undefined && (!status || d.status === status) && (!eventType || d.eventType === eventType),
          limit,
        }),
      )
    },
    [selectedId, status, eventType, before, limit],
  )
  const onEndpoint = useCallback(
    (e: EndpointEvent) => {
      // the selected endpoint deleted (here or elsewhere), or a first one added: re-read, which selects one
      if ((e.change === 'deleted' && e.webhookId === selectedId) || (e.change === 'created' && selectedId === null)) router.refresh()
      setEndpoints((list) => applyEndpoint(list, e))
    },
    [router, selectedId],
  )
  const resync = useCallback(() => router.refresh(), [router])
  useWebhookFeed({ scope: { all: true }, initial: position, onIncomplete: resync, onDelivery, onEndpoint })

  const selected = endpoints.find((e) => e.id === selectedId)
  const link = (patch: Record<string, string | undefined>) => {
    const q = new URLSearchParams()
    const merged = { endpoint: selectedId ?? undefined, status, type: eventType, ...patch }
    for (const [k, v] of Object.entries(merged)) if (v) q.set(k, v)
    return `/webhooks?${q.toString()}`
  }

  if (endpoints.length === 0) {
    return (
      <EmptyState title="No webhook endpoints yet">
        {canEdit ? 'Add one above: its signing secret is shown once.' : 'An admin can add endpoints.'}
      </EmptyState>
    )
  }
  return (
    <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,20rem)_1fr]">
      <nav aria-label="Webhook endpoints" className="space-y-2">
        {endpoints.map((e) => (
          <EndpointCard key={e.id} endpoint={e} active={e.id === selectedId} href={link({ endpoint: e.id, before: undefined })} />
        ))}
      </nav>
      {selected ? (
        <section aria-label="Deliveries" className="min-w-0 space-y-4">
          <Card className="space-y-2">
            <div className="flex flex-wrap items-start justify-between gap-2">
              <div className="min-w-0">
                <h2 className="break-all font-mono text-sm">{selected.url}</h2>
                <p className="text-xs text-muted" data-testid="webhook-settings">
                  {selected.accountId ? `account ${selected.accountId}` : 'every account'} ·{' '}
                  {selected.events ? selected.events.join(', ') : 'every event'} · {selected.ordered ? 'ordered' : 'unordered'}
                  {selected.headers.length ? ` · headers: ${selected.headers.join(', ')}` : ''}
                </p>
                {selected.description ? <p className="text-sm">{selected.description}</p> : null}
              </div>
              {canEdit ? <EndpointActions endpoint={selected} /> : null}
            </div>
            {selected.disabledReason ? (
              <p role="status" className="text-sm text-red-700 dark:text-red-300" data-testid="webhook-disabled-reason">
                Disabled {when(selected.disabledAt)}: {selected.disabledReason}
              </p>
            ) : null}
          </Card>
          <form method="get" action="/webhooks" className="flex flex-wrap items-end gap-3 text-sm">
            <input type="hidden" name="endpoint" value={selected.id} />
            <label className="space-y-1">
              <span className="block text-xs text-muted">Status</span>
              <select name="status" defaultValue={status ?? ''} className={selectClass}>
                <option value="">any</option>
                {DELIVERY_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label className="space-y-1">
              <span className="block text-xs text-muted">Event type</span>
              <select name="type" defaultValue={eventType ?? ''} className={selectClass}>
                <option value="">any</option>
                {EVENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="submit"
              className="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              Filter
            </button>
            {canEdit ? <ReplayFailed webhookId={selected.id} /> : null}
          </form>
          <DeliveryList deliveries={deliveries} canEdit={canEdit} webhookId={selected.id} />
          <div className="flex justify-between text-sm">
            {before ? <Link href={link({ before: undefined })}>← Newest</Link> : <span />}
            {nextBefore ? <Link href={link({ before: String(nextBefore) })}>Older →</Link> : null}
          </div>
        </section>
      ) : null}
    </div>
  )
}
