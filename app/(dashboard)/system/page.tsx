import type { Metadata } from 'next'
import { Card, PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { type FailedSignIn, recentFailedSignIns } from '@/lib/auth/sign-in-audit'
import { getRuntime, type Runtime } from '@/lib/runtime'
import { databaseOk } from '@/lib/system/health'

export const metadata: Metadata = { title: 'System' }
export const dynamic = 'force-dynamic'

const REASON_TEXT: Record<FailedSignIn['reason'], string> = {
  unknown_email: 'no such operator',
  wrong_password: 'wrong password',
  disabled: 'operator disabled',
}

export default async function SystemPage() {
  const operator = await requireOperatorPage()
  const rt = getRuntime()
  const rows = systemRows(rt)
  const failed = operator.role === 'admin' ? recentFailedSignIns({ db: rt.db }) : null
  return (
    <>
      <PageHeader title="System" description="Health of this gateway. Metrics and the event monitor will appear here." />
      <Card>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd className="font-mono">{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      {failed ? <FailedSignIns entries={failed} /> : null}
    </>
  )
}

function FailedSignIns({ entries }: { entries: FailedSignIn[] }) {
  return (
    <Card className="mt-6 overflow-x-auto p-0">
      <h2 className="px-4 pt-4 text-sm font-semibold">Recent failed sign-ins</h2>
      <p className="px-4 pb-2 text-xs text-slate-500">
        Text that matched no operator is shown as a keyed hash: people sometimes type a password into the email field.
      </p>
      {entries.length === 0 ? (
        <p className="px-4 pb-4 text-sm text-slate-500" data-testid="failed-sign-ins-empty">
          None.
        </p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="failed-sign-ins">
          <thead className="border-y border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800">
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
                  {e.blockStarted ? <span className="ml-2 text-red-600">— blocked for 15 min</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  )
}

/** Read at request time (the page is dynamic), outside render so that rendering stays pure. */
function systemRows(rt: Runtime): [string, string][] {
  return [
    ['Version', rt.version],
    ['Uptime', `${Math.round((Date.now() - rt.startedAt) / 1000)} s`],
    ['Database', databaseOk(rt.db) ? 'ok' : 'unavailable'],
    ['Data directory', rt.env.dataDir],
    ['WhatsApp endpoint', rt.env.waWsUrl ?? 'WhatsApp (default)'],
    ['Node.js', process.version],
    ['Memory (RSS)', `${Math.round(process.memoryUsage().rss / 1024 / 1024)} MiB`],
  ]
}
