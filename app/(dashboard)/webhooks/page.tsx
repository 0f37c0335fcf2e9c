import type { Metadata } from 'next'
import Link from 'next/link'
import { DeliveryActions, EndpointActions, NewEndpoint, ReplayFailed } from '@/components/webhooks/webhook-actions'
import { Card, EmptyState, PageHeader, cx } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { DELIVERY_STATUSES, type DeliveryStatus, EVENT_TYPES } from '@/lib/db/schema'
import { getRuntime } from '@/lib/runtime'
import type { DeliveryView, WebhookView } from '@/lib/webhooks/service'

export const metadata: Metadata = { title: 'Webhooks' }
export const dynamic = 'force-dynamic'

const PAGE = 25
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '—')
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

/**
 * Webhook endpoints with their health, and the deliveries of the selected one (filters by status and
 * event type, pages by id, every attempt). Read on the server for every operator; the actions (admins
 * only) call the REST API with the session and refresh the page.
 */
export default async function WebhooksPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const operator = await requireOperatorPage()
  const canEdit = operator.role === 'admin'
  const { webhooks, sessions } = getRuntime()
  const params = await searchParams
  const endpoints = webhooks.list(null)
  const selected = endpoints.find((e) => e.id === one(params.endpoint)) ?? endpoints[0]
  const status = DELIVERY_STATUSES.find((s) => s === one(params.status))
  const eventType = EVENT_TYPES.find((t) => t === one(params.type))
  const before = Number(one(params.before)) || undefined
  const page = selected
    ? webhooks.deliveries(null, selected.id, { status, eventType, before, limit: PAGE })
    : { data: [] as DeliveryView[], nextBefore: null }
  const link = (patch: Record<string, string | undefined>) => {
    const q = new URLSearchParams()
    const merged = { endpoint: selected?.id, status, type: eventType, ...patch }
    for (const [k, v] of Object.entries(merged)) if (v) q.set(k, v)
    return `/webhooks?${q.toString()}`
  }

  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Endpoints receive every event they subscribe to, signed (Standard Webhooks), retried on failure, in order unless they opt out."
      />
      {canEdit ? <NewEndpoint accounts={sessions.list().map((a) => ({ id: a.id, name: a.name }))} /> : null}
      {endpoints.length === 0 ? (
        <EmptyState title="No webhook endpoints yet">
          {canEdit ? 'Add one above: its signing secret is shown once.' : 'An admin can add endpoints.'}
        </EmptyState>
      ) : (
        <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,20rem)_1fr]">
          <nav aria-label="Webhook endpoints" className="space-y-2">
            {endpoints.map((e) => (
              <EndpointCard key={e.id} endpoint={e} active={e.id === selected?.id} href={link({ endpoint: e.id, before: undefined })} />
            ))}
          </nav>
          {selected ? (
            <section aria-label="Deliveries" className="min-w-0 space-y-4">
              <Card className="space-y-2">
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <div className="min-w-0">
                    <h2 className="break-all font-mono text-sm">{selected.url}</h2>
                    <p className="text-xs text-slate-500">
                      {selected.accountId ? `account ${selected.accountId}` : 'every account'} ·{' '}
                      {selected.events ? selected.events.join(', ') : 'every event'} · {selected.ordered ? 'ordered' : 'unordered'}
                      {selected.headers.length ? ` · headers: ${selected.headers.join(', ')}` : ''}
                    </p>
                    {selected.description ? <p className="text-sm">{selected.description}</p> : null}
                  </div>
                  {canEdit ? <EndpointActions endpoint={selected} /> : null}
                </div>
                {selected.disabledReason ? (
                  <p role="status" className="text-sm text-red-700 dark:text-red-300">
                    Disabled {when(selected.disabledAt)}: {selected.disabledReason}
                  </p>
                ) : null}
              </Card>
              <form method="get" action="/webhooks" className="flex flex-wrap items-end gap-3 text-sm">
                <input type="hidden" name="endpoint" value={selected.id} />
                <label className="space-y-1">
                  <span className="block text-xs text-slate-500">Status</span>
                  <select
                    name="status"
                    defaultValue={status ?? ''}
                    className="rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-900"
                  >
                    <option value="">any</option>
                    {DELIVERY_STATUSES.map((s) => (
                      <option key={s} value={s}>
                        {s}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="space-y-1">
                  <span className="block text-xs text-slate-500">Event type</span>
                  <select
                    name="type"
                    defaultValue={eventType ?? ''}
                    className="rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-900"
                  >
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
              <Deliveries deliveries={page.data} canEdit={canEdit} webhookId={selected.id} />
              <div className="flex justify-between text-sm">
                {before ? <Link href={link({ before: undefined })}>← Newest</Link> : <span />}
                {page.nextBefore ? <Link href={link({ before: String(page.nextBefore) })}>Older →</Link> : null}
              </div>
            </section>
          ) : null}
        </div>
      )}
    </>
  )
}

function EndpointCard({ endpoint: e, active, href }: { endpoint: WebhookView; active: boolean; href: string }) {
  const failing = e.health.consecutiveFailures > 0
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      className={cx(
        'block rounded-lg border p-3 text-sm focus-visible:outline-2 focus-visible:outline-emerald-500',
        active
          ? 'border-emerald-500 bg-emerald-50 dark:bg-emerald-950'
          : 'border-slate-200 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-900',
      )}
    >
      <span className="block truncate font-mono text-xs">{e.url}</span>
      <span className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600 dark:text-slate-400">
        <span className={e.enabled ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300'}>
          {e.enabled ? 'enabled' : 'disabled'}
        </span>
        <span>last success {when(e.health.lastSuccessAt)}</span>
        {failing ? <span className="text-amber-700 dark:text-amber-300">{e.health.consecutiveFailures} failures in a row</span> : null}
      </span>
    </Link>
  )
}

const STATUS_STYLE: Record<DeliveryStatus, string> = {
  pending: 'text-amber-700 dark:text-amber-300',
  delivered: 'text-emerald-700 dark:text-emerald-300',
  failed: 'text-red-700 dark:text-red-300',
}

function Deliveries({ deliveries, canEdit, webhookId }: { deliveries: DeliveryView[]; canEdit: boolean; webhookId: string }) {
  if (deliveries.length === 0) return <EmptyState title="No deliveries">Deliveries appear here as events happen.</EmptyState>
  return (
    <ul className="space-y-2" aria-label="Delivery list">
      {deliveries.map((d) => (
        <li key={d.id} data-testid="delivery">
          <Card className="p-3">
            <details>
              <summary className="flex cursor-pointer flex-wrap items-center gap-x-4 gap-y-1 text-sm">
                <span className={cx('font-medium', STATUS_STYLE[d.status])}>{d.status}</span>
                <span className="font-mono text-xs">{d.eventType}</span>
                <span className="text-xs text-slate-500">{when(d.createdAt)}</span>
                <span className="text-xs text-slate-500">
                  {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                  {d.lastStatusCode !== null ? ` · HTTP ${d.lastStatusCode}` : ''}
                  {d.status === 'pending' && d.nextAttemptAt ? ` · next ${when(d.nextAttemptAt)}` : ''}
                </span>
              </summary>
              <p className="mt-2 font-mono text-xs text-slate-500">webhook-id {d.eventId}</p>
              {d.lastError ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{d.lastError}</p> : null}
              <table className="mt-2 w-full text-left text-xs">
                <thead className="text-slate-500">
                  <tr>
                    <th className="py-1 pr-3">Attempt at</th>
                    <th className="py-1 pr-3">Status</th>
                    <th className="py-1 pr-3">Duration</th>
                    <th className="py-1">Answer or error</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attemptLog.map((a, i) => (
                    <tr key={i} className="border-t border-slate-100 align-top dark:border-slate-800">
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
