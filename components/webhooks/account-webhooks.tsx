'use client'

import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useCallback, useState } from 'react'
import { countOf } from '@/components/ui/format'
import { Card, EmptyState } from '@/components/ui/primitives'
import type { DeliveryView, WebhookView } from '@/lib/webhooks/views'
import type { EventPosition } from '@/lib/realtime/events'
import { DeliveryList, when } from './delivery-list'
import { applyDelivery, applyEndpoint, type DeliveryEvent, type EndpointEvent, useWebhookFeed } from './live'
import { NewEndpoint } from './webhook-actions'

export type EndpointWithDeliveries = { webhook: WebhookView; deliveries: DeliveryView[] }

/**
 * The account page's webhooks: the endpoints bound to this account, each with its newest deliveries,
 * live from the account's room (a gateway-wide endpoint is on the Webhooks page). Admins add one here.
 */
export function AccountWebhooks({
  account,
  initial,
  gatewayWide,
  position,
  canEdit,
  recent,
}: {
  account: { id: string; name: string }
  initial: EndpointWithDeliveries[]
  /** how many gateway-wide endpoints also receive this account's events */
  gatewayWide: number
  position: EventPosition
  canEdit: boolean
  /** deliveries shown per endpoint */
  recent: number
}) {
  const router = useRouter()
  const [source, setSource] = useState(initial)
  const [items, setItems] = useState(initial)
  if (source !== initial) {
    setSource(initial)
    setItems(initial)
  }
  const onDelivery = useCallback(
    (e: DeliveryEvent) =>
      setItems((list) =>
        list.map((x) =>
          x.webhook.id !== e.delivery.webhookId
            ? x
            : {
                webhook: e.webhook ?? x.webhook,
                deliveries: applyDelivery(x.deliveries, e, { accept: () => true, limit: recent }),
              },
        ),
      ),
    [recent],
  )
  const onEndpoint = useCallback(
    (e: EndpointEvent) =>
      setItems((list) => {
        const webhooks = applyEndpoint(
          list.map((x) => x.webhook),
          e,
        )
        return webhooks.map((w) => ({ webhook: w, deliveries: list.find((x) => x.webhook.id === w.id)?.deliveries ?? [] }))
      }),
    [],
  )
  const resync = useCallback(() => router.refresh(), [router])
  useWebhookFeed({ scope: { accountId: account.id }, initial: position, onIncomplete: resync, onDelivery, onEndpoint })

  return (
    <div className="space-y-4" data-testid="account-webhooks">
      {canEdit ? <NewEndpoint accounts={[account]} fixedAccountId={account.id} /> : null}
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {gatewayWide > 0
          ? `${gatewayWide} gateway-wide endpoint${gatewayWide === 1 ? '' : 's'} also receive${gatewayWide === 1 ? 's' : ''} this account's events: `
          : 'Endpoints for every account are managed on '}
        <Link href="/webhooks" className="underline">
          the Webhooks page
        </Link>
        .
      </p>
      {items.length === 0 ? (
        <EmptyState title="No webhooks for this account">
          {canEdit ? 'Add one above: it receives this account’s events only.' : 'An admin can add one.'}
        </EmptyState>
      ) : (
        items.map(({ webhook: w, deliveries }) => (
          <Card key={w.id} className="space-y-3">
            <div className="flex flex-wrap items-start justify-between gap-2" data-testid="webhook-endpoint" data-webhook-id={w.id}>
              <div className="min-w-0">
                <h3 className="break-all font-mono text-sm">{w.url}</h3>
                <p className="text-xs text-muted">
                  <span
                    data-testid="webhook-enabled"
                    className={w.enabled ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300'}
                  >
                    {w.enabled ? 'enabled' : 'disabled'}
                  </span>{' '}
                  · {w.events ? w.events.join(', ') : 'every event'} · last success {when(w.health.lastSuccessAt)}
                  {w.health.consecutiveFailures > 0 ? ` · ${countOf(w.health.consecutiveFailures, 'failure')} in a row` : ''}
                </p>
              </div>
              <Link href={`/webhooks?endpoint=${encodeURIComponent(w.id)}`} className="text-sm underline">
                All deliveries and settings
              </Link>
            </div>
            <DeliveryList deliveries={deliveries} canEdit={canEdit} webhookId={w.id} />
          </Card>
        ))
      )}
    </div>
  )
}
