'use client'

import Link from 'next/link'
import { countOf } from '@/components/ui/format'
import { Card, cx, EmptyState } from '@/components/ui/primitives'
import type { DeliveryStatus } from '@/lib/vocabulary/statuses'
import type { DeliveryView, WebhookView } from '@/lib/webhooks/views'
import { DeliveryActions } from './webhook-actions'

export const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '—')

export function EndpointCard({ endpoint: e, active, href }: { endpoint: WebhookView; active: boolean; href: string }) {
  const failing = e.health.consecutiveFailures > 0
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      data-testid="webhook-endpoint"
      data-webhook-id={e.id}
      className={cx(
        'block rounded-lg border p-3 text-sm focus-visible:outline-2 focus-visible:outline-emerald-500',
        active
          ? 'border-emerald-500 bg-emerald-50 dark:bg-emerald-950'
          : 'border-slate-200 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-900',
      )}
    >
      <span className="block truncate font-mono text-xs">{e.url}</span>
      <span className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600 dark:text-slate-400">
        <span
          data-testid="webhook-enabled"
          className={e.enabled ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300'}
        >
          {e.enabled ? 'enabled' : 'disabled'}
        </span>
        <span data-testid="webhook-last-success">last success {when(e.health.lastSuccessAt)}</span>
        {failing ? (
          <span className="text-amber-700 dark:text-amber-300">{countOf(e.health.consecutiveFailures, 'failure')} in a row</span>
        ) : null}
      </span>
    </Link>
  )
}

const STATUS_STYLE: Record<DeliveryStatus, string> = {
  pending: 'text-amber-700 dark:text-amber-300',
  delivered: 'text-emerald-700 dark:text-emerald-300',
  failed: 'text-red-700 dark:text-red-300',
}

/** Deliveries newest first; each opens to its attempts (time, status, duration, answer or error). */
export function DeliveryList({ deliveries, canEdit, webhookId }: { deliveries: DeliveryView[]; canEdit: boolean; webhookId: string }) {
  if (deliveries.length === 0) return <EmptyState title="No deliveries">Deliveries appear here live as events happen.</EmptyState>
  return (
    <ul className="space-y-2" aria-label="Delivery list" aria-live="polite">
      {deliveries.map((d) => (
        <li key={d.id} data-testid="delivery" data-delivery-id={d.id} data-status={d.status}>
          <Card className="p-3">
            <details>
              <summary className="flex cursor-pointer flex-wrap items-center gap-x-4 gap-y-1 text-sm">
                <span className={cx('font-medium', STATUS_STYLE[d.status])} data-testid="delivery-status">
                  {d.status}
                </span>
                <span className="font-mono text-xs">{d.eventType}</span>
                <span className="text-xs text-muted">{when(d.createdAt)}</span>
                <span className="text-xs text-muted">
                  {countOf(d.attempts, 'attempt')}
                  {d.lastStatusCode !== null ? ` · HTTP ${d.lastStatusCode}` : ''}
                  {d.status === 'pending' && d.nextAttemptAt ? ` · next ${when(d.nextAttemptAt)}` : ''}
                </span>
              </summary>
              <p className="mt-2 font-mono text-xs text-muted">webhook-id {d.eventId}</p>
              {d.lastError ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{d.lastError}</p> : null}
              <table className="mt-2 w-full text-left text-xs">
                <thead className="text-muted">
                  <tr>
                    <th className="py-1 pr-3">Attempt at</th>
                    <th className="py-1 pr-3">Status</th>
                    <th className="py-1 pr-3">Duration</th>
                    <th className="py-1">Answer or error</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attemptLog.map((a, i) => (
                    <tr key={`${i}-${a.at}`} className="border-t border-slate-100 align-top dark:border-slate-800">
                      <td className="py-1 pr-3">{when(a.at)}</td>
                      <td className="py-1 pr-3">{a.statusCode ?? '—'}</td>
                      <td className="py-1 pr-3">{a.durationMs} ms</td>
                      <td className="break-all py-1 font-mono">{a.error ?? a.response ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {canEdit && d.status !== 'pending' ? <DeliveryActions webhookId={webhookId} deliveryId={d.id} /> : null}
            </details>
          </Card>
        </li>
      ))}
    </ul>
  )
}
