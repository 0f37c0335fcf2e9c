'use client'

import { useCallback, useState } from 'react'
import { useRealtimeEvent, useResync } from '@/components/realtime/realtime-provider'
import { Button } from '@/components/ui/primitives'
import { formatTime } from '@/components/ui/format'
import type { ActionResult } from '@/components/messages/actions'
import type { AccountSummary } from '@/lib/events/types'
import type { StatusChange } from '@/lib/sessions/manager'
import { StatusBadge } from './status-badge'

/** Every status change of the account with its reason, newest first; new ones arrive live. */
export function StatusTimeline({
  accountId,
  initial,
  loadHistory,
}: {
  accountId: string
  initial: StatusChange[]
  /** the page's server action: the account's history, newest first, before a row id */
  loadHistory: (accountId: string, before?: number) => Promise<ActionResult<StatusChange[]>>
}) {
  const [entries, setEntries] = useState(initial)
  const [more, setMore] = useState(initial.length >= 50)
  const onUpsert = useCallback(
    (a: AccountSummary) => {
      if (a.id !== accountId) return
      setEntries((list) => {
        const top = list[0]
        if (top && top.at >= a.statusAt) return list
        // A live entry has no row id yet; it gets one when the list is next read.
        return [{ id: -a.statusAt, status: a.status, reason: a.statusReason, at: a.statusAt }, ...list]
      })
    },
    [accountId],
  )
  useRealtimeEvent('dashboard.account', onUpsert)
  useResync(
    useCallback(() => {
      void loadHistory(accountId).then((res) => {
        if (res.ok) setEntries(res.data)
      })
    }, [accountId, loadHistory]),
  )
  const oldest = entries.filter((e) => e.id > 0).at(-1)?.id
  return (
    <div>
      {entries.length === 0 ? <p className="text-sm text-muted">No status changes yet.</p> : null}
      <ol className="relative space-y-3 border-l border-slate-200 pl-4 dark:border-slate-700" data-testid="status-timeline">
        {entries.map((e) => (
          <li key={e.id} className="relative" data-testid="timeline-entry" data-status={e.status}>
            <span className="absolute -left-[1.3rem] top-1.5 h-2.5 w-2.5 rounded-full bg-slate-400 dark:bg-slate-500" aria-hidden />
            <div className="flex flex-wrap items-center gap-2">
              <StatusBadge status={e.status} />
              <time className="font-mono text-xs text-muted" dateTime={new Date(e.at).toISOString()}>
                {formatTime(e.at)} UTC
              </time>
            </div>
            {e.reason ? <p className="mt-0.5 text-sm text-slate-600 dark:text-slate-400">{e.reason}</p> : null}
          </li>
        ))}
      </ol>
      {more && oldest ? (
        <Button
          variant="ghost"
          className="mt-3"
          onClick={() =>
            void loadHistory(accountId, oldest).then((res) => {
              if (!res.ok) return
              setEntries((list) => [...list, ...res.data])
              setMore(res.data.length >= 50)
            })
          }
        >
          Older changes
        </Button>
      ) : null}
    </div>
  )
}
