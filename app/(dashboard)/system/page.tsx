import type { Metadata } from 'next'
import Link from 'next/link'
import { StatusBadge } from '@/components/accounts/status-badge'
import { HourlyChart } from '@/components/system/hourly-chart'
import { Card, PageHeader, ScrollRegion } from '@/components/ui/primitives'
import { formatDuration, formatTime } from '@/components/ui/format'
import type { AuditEntryView } from '@/lib/audit/log'
import { requireOperatorPage } from '@/lib/auth/session'
import { type FailedSignIn, recentFailedSignIns } from '@/lib/auth/sign-in-audit'
import { getRuntime, type Runtime } from '@/lib/runtime'
import { databaseOk } from '@/lib/system/health'
import { type SystemOverview, systemOverview } from '@/lib/system/overview'

const AUDIT_PAGE = 20

export const metadata: Metadata = { title: 'System' }
export const dynamic = 'force-dynamic'

const REASON_TEXT: Record<FailedSignIn['reason'], string> = {
  unknown_email: 'no such operator',
  wrong_password: 'wrong password',
  disabled: 'operator disabled',
}

export default async function SystemPage({ searchParams }: { searchParams: Promise<{ auditBefore?: string }> }) {
  const operator = await requireOperatorPage()
  const rt = getRuntime()
  const overview = systemOverview({ db: rt.db, loopDelay: rt.loopDelay, startedAt: rt.startedAt })
  const rows = systemRows(rt, overview)
  const isAdmin = operator.role === 'admin'
  const failed = isAdmin ? recentFailedSignIns({ db: rt.db }) : null
  const before = Number((await searchParams).auditBefore)
  const audit = isAdmin ? rt.audit.list({ limit: AUDIT_PAGE, ...(Number.isInteger(before) && before > 0 ? { before } : {}) }) : null
  return (
    <>
      <PageHeader
        title="System"
        description="Health of this gateway: sessions, traffic, queues and the process. Prometheus reads the same at /metrics."
      />
      <div className="mb-6 grid gap-6 lg:grid-cols-[1fr_2fr]">
        <Card>
          <h2 className="mb-3 text-sm font-semibold">Sessions by state</h2>
          <ul className="space-y-1.5 text-sm" data-testid="sessions-by-state">
            {overview.sessions.map((s) => (
              <li key={s.status} className="flex items-center justify-between" data-status={s.status} data-count={s.count}>
                <StatusBadge status={s.status} />
                <span className="font-mono">{s.count}</span>
              </li>
            ))}
          </ul>
        </Card>
        <Card>
          <h2 className="mb-3 text-sm font-semibold">Messages per hour (last 24 h)</h2>
          <HourlyChart buckets={overview.perHour} />
        </Card>
      </div>
      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="mb-3 text-sm font-semibold">Send queues</h2>
          <p className="text-sm">
            <span className="font-mono text-2xl" data-testid="queue-depth">
              {overview.queue.total}
            </span>{' '}
            messages waiting
          </p>
          {overview.queue.byAccount.length > 0 ? (
            <ul className="mt-2 text-sm">
              {overview.queue.byAccount.map((q) => (
                <li key={q.accountId} className="flex justify-between">
                  <Link href={`/accounts/${q.accountId}`} className="underline">
                    {q.accountId}
                  </Link>
                  <span className="font-mono">{q.queued}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </Card>
        <Card>
          <h2 className="mb-3 text-sm font-semibold">Webhooks</h2>
          <WebhooksHealth health={overview.webhooks} now={overview.now} />
        </Card>
      </div>
      <Card>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-muted">{k}</dt>
              <dd className="font-mono">{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      {failed ? <FailedSignIns entries={failed} /> : null}
      {audit ? (
        <AuditTable entries={audit.data} nextBefore={audit.nextBefore} first={!(Number.isInteger(before) && before > 0)} />
      ) : (
        <p className="mt-6 text-sm text-muted">The audit log and failed sign-ins are shown to admins.</p>
      )}
    </>
  )
}

function FailedSignIns({ entries }: { entries: FailedSignIn[] }) {
  return (
    <Card className="mt-6 p-0">
      <h2 className="px-4 pt-4 text-sm font-semibold">Recent failed sign-ins</h2>
      <p className="px-4 pb-2 text-xs text-muted">
        Text that matched no operator is shown as a keyed hash: people sometimes type a password into the email field.
      </p>
      {entries.length === 0 ? (
        <p className="px-4 pb-4 text-sm text-muted" data-testid="failed-sign-ins-empty">
          None.
        </p>
      ) : (
        <ScrollRegion label="Recent failed sign-ins">
          <table className="w-full text-left text-sm" data-testid="failed-sign-ins">
            <thead className="border-y border-slate-200 text-xs uppercase text-muted dark:border-slate-800">
              <tr>
                <th className="px-4 py-2">Time (UTC)</th>
                <th className="px-4 py-2">Address</th>
                <th className="px-4 py-2">Email</th>
                <th className="px-4 py-2">Reason</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e, i) => (
                <tr
                  key={`${e.at}-${i}`}
                  className="border-b border-slate-100 last:border-0 dark:border-slate-800"
                  data-testid="failed-sign-in"
                >
                  <td className="px-4 py-2 font-mono">{new Date(e.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td className="px-4 py-2 font-mono">{e.ip}</td>
                  <td className="px-4 py-2 font-mono">{e.who}</td>
                  <td className="px-4 py-2">
                    {REASON_TEXT[e.reason]}
                    {e.blockStarted ? <span className="ml-2 text-red-700 dark:text-red-300">— blocked for 15 min</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </Card>
  )
}

function AuditTable({ entries, nextBefore, first }: { entries: AuditEntryView[]; nextBefore: number | null; first: boolean }) {
  return (
    <Card className="mt-6 p-0">
      <h2 className="px-4 pt-4 text-sm font-semibold">Audit log</h2>
      <p className="px-4 pb-2 text-xs text-muted">Every change made through the API or the dashboard, newest first.</p>
      <ScrollRegion label="Audit log">
        <table className="w-full text-left text-sm" data-testid="audit-log">
          <thead className="border-y border-slate-200 text-xs uppercase text-muted dark:border-slate-800">
            <tr>
              <th className="px-4 py-2">Time (UTC)</th>
              <th className="px-4 py-2">Actor</th>
              <th className="px-4 py-2">Action</th>
              <th className="px-4 py-2">Target</th>
              <th className="px-4 py-2">Address</th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 ? (
              <tr>
                <td colSpan={5} className="px-4 py-4 text-muted">
                  Nothing recorded yet.
                </td>
              </tr>
            ) : null}
            {entries.map((e) => (
              <tr
                key={e.id}
                className="border-b border-slate-100 last:border-0 dark:border-slate-800"
                data-testid="audit-entry"
                data-action={e.action}
              >
                <td className="px-4 py-2 font-mono text-xs">{formatTime(Date.parse(e.at))}</td>
                <td className="px-4 py-2">{e.actor}</td>
                <td className="px-4 py-2 font-mono text-xs">{e.action}</td>
                <td className="px-4 py-2 font-mono text-xs">{e.target ?? '—'}</td>
                <td className="px-4 py-2 font-mono text-xs">{e.ip ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <nav aria-label="Audit log pages" className="flex justify-between px-4 py-2 text-sm">
        {first ? (
          <span />
        ) : (
          <Link href="/system" className="underline">
            Newest
          </Link>
        )}
        {nextBefore ? (
          <Link href={`/system?auditBefore=${nextBefore}`} className="underline">
            Older entries
          </Link>
        ) : null}
      </nav>
    </Card>
  )
}

/** Read at request time (the page is dynamic), outside render so that rendering stays pure. */
function systemRows(rt: Runtime, o: SystemOverview): [string, string][] {
  const d = o.loopDelay
  return [
    ['Version', rt.version],
    ['Uptime', formatDuration(o.uptimeMs)],
    ['Event-loop delay', `p50 ${d.p50Ms} ms · p99 ${d.p99Ms} ms · max ${d.maxMs} ms (last ${Math.round(d.windowMs / 1000)} s)`],
    ['Database', databaseOk(rt.db) ? 'ok' : 'unavailable'],
    ['Data directory', rt.env.dataDir],
    ['WhatsApp endpoint', rt.env.waWsUrl ?? 'WhatsApp (default)'],
    ['Node.js', process.version],
    [
      'Memory',
      `RSS ${o.memory.rssMiB} MiB · heap ${o.memory.heapUsedMiB} / ${o.memory.heapTotalMiB} MiB · external ${o.memory.externalMiB} MiB`,
    ],
    ['Live WhatsApp sockets', String(rt.sessions.liveSockets())],
  ]
}

function WebhooksHealth({ health: h, now }: { health: SystemOverview['webhooks']; now: number }) {
  if (h.endpoints === 0)
    return (
      <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="webhooks-health">
        No webhook endpoints yet.{' '}
        <Link href="/webhooks" className="underline">
          Add one
        </Link>{' '}
        to have every event delivered.
      </p>
    )
  const rate = h.attempts > 0 ? Math.round((h.failedAttempts / h.attempts) * 1000) / 10 : null
  return (
    <dl className="grid grid-cols-[1fr_auto] gap-y-1 text-sm" data-testid="webhooks-health">
      <dt>Deliveries waiting</dt>
      <dd className="text-right font-mono" data-testid="webhook-backlog">
        {h.backlog}
      </dd>
      {h.oldestPendingAt !== null ? (
        <>
          <dt>Oldest waiting for</dt>
          <dd className="text-right font-mono">{formatDuration(now - h.oldestPendingAt)}</dd>
        </>
      ) : null}
      <dt>Failed attempts, last hour</dt>
      <dd className="text-right font-mono" data-testid="webhook-failure-rate">
        {rate === null ? 'no attempts' : `${rate} % of ${h.attempts}`}
      </dd>
      <dt>
        <Link href="/webhooks" className="underline">
          Endpoints
        </Link>
      </dt>
      <dd className="text-right font-mono">
        {h.endpoints}
        {h.disabledEndpoints > 0 ? ` (${h.disabledEndpoints} disabled)` : ''}
      </dd>
    </dl>
  )
}
