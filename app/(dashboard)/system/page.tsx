import type { Metadata } from 'next'
import { Card, PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { pingDb } from '@/lib/db/client'
import { getRuntime, type Runtime } from '@/lib/runtime'

export const metadata: Metadata = { title: 'System' }
export const dynamic = 'force-dynamic'

export default async function SystemPage() {
  await requireOperatorPage()
  const rows = systemRows(getRuntime())
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
    </>
  )
}

/** Read at request time (the page is dynamic), outside render so that rendering stays pure. */
function systemRows(rt: Runtime): [string, string][] {
  return [
    ['Version', rt.version],
    ['Uptime', `${Math.round((Date.now() - rt.startedAt) / 1000)} s`],
    ['Database', pingDb(rt.db) ? 'ok' : 'unavailable'],
    ['Data directory', rt.env.dataDir],
    ['WhatsApp endpoint', rt.env.waWsUrl ?? 'WhatsApp (default)'],
    ['Node.js', process.version],
    ['Memory (RSS)', `${Math.round(process.memoryUsage().rss / 1024 / 1024)} MiB`],
  ]
}
