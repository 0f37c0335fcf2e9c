'use client'

import { useCallback, useEffect, useRef, useState } from 'react'
import { useRealtime, useRealtimeEvent } from '@/components/realtime/realtime-provider'
import { Button } from '@/components/ui/primitives'
import { countOf, formatTime } from '@/components/ui/format'
import type { OutboxEvent } from '@/lib/events/types'
import type { MonitorWatchResult } from '@/lib/realtime/events'
import { freshEvents, insertGap, type MonitorRow, prependEvents } from '@/lib/realtime/monitor-list'

/** How many events the page keeps; older ones drop off the bottom. */
const KEEP = 500
const PAGE = 50

/**
 * The gateway's events as webhook endpoints receive them — the outbox's types and JSON bodies — newest
 * first: the most recent stored ones (server-rendered), then live ones. Filter by account and type,
 * pause (events keep arriving and appear on resume), inspect one as JSON. The position is the newest
 * event id the page holds: after a dropped connection the server replays what came after it, and a
 * mark shows where it could not (more than the page keeps, or deleted by retention).
 */
export function EventMonitor({
  eventTypes,
  accountIds,
  initial,
  position,
}: {
  eventTypes: string[]
  accountIds: string[]
  /** the most recent stored events when the page was rendered, oldest first */
  initial: OutboxEvent[]
  /** the newest event id when the page was rendered */
  position: string
}) {
  const [rows, setRows] = useState<MonitorRow[]>(() => prependEvents([], initial, KEEP))
  const [paused, setPaused] = useState(false)
  const [held, setHeld] = useState<OutboxEvent[]>([])
  const [account, setAccount] = useState('')
  const [type, setType] = useState('')
  const [selected, setSelected] = useState<OutboxEvent | null>(null)
  const [page, setPage] = useState(0)
  const lastId = useRef(position)
  /** set while a (re)join is answered: the first event sent after it is where a gap would be */
  const seam = useRef<{ open: boolean; id: string | null }>({ open: false, id: null })
  const gaps = useRef(0)

  const { socket, generation } = useRealtime()
  useEffect(() => {
    if (!socket || generation === 0) return
    seam.current = { open: true, id: null }
    socket.emit('monitor:watch', { since: lastId.current }, (r: MonitorWatchResult) => {
      const seamId = seam.current.id
      seam.current = { open: false, id: null }
      if (r.position > lastId.current) lastId.current = r.position
      if (!r.complete) setRows((list) => insertGap(list, seamId, `gap-${++gaps.current}`, KEEP))
    })
    return () => {
      socket.emit('monitor:unwatch')
    }
  }, [socket, generation])

  const onEvent = useCallback(
    (e: OutboxEvent) => {
      const fresh = freshEvents(lastId.current, [e])
      // a replay of an event the page already has (it was rendered after the feed had read it)
      if (fresh.events.length === 0) return
      lastId.current = fresh.lastId
      if (seam.current.open) seam.current.id ??= e.id
      if (paused) setHeld((h) => [...h, e].slice(-KEEP))
      else setRows((list) => prependEvents(list, [e], KEEP))
    },
    [paused],
  )
  useRealtimeEvent('event', onEvent)

  // Accounts created while the page is open join the filter as their events arrive.
  const accountOptions = [
    ...new Set([...accountIds, ...rows.flatMap((r) => (r.kind === 'event' && r.event.accountId ? [r.event.accountId] : []))]),
  ].sort()
  const visible = rows.filter((r) => r.kind === 'gap' || ((!account || r.event.accountId === account) && (!type || r.event.type === type)))
  const shownCount = visible.filter((r) => r.kind === 'event').length
  const pages = Math.max(1, Math.ceil(visible.length / PAGE))
  const current = Math.min(page, pages - 1)
  const pageRows = visible.slice(current * PAGE, (current + 1) * PAGE)

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="mb-1 block text-slate-600 dark:text-slate-400">Account</span>
          <select
            value={account}
            onChange={(e) => setAccount(e.target.value)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
          >
            <option value="">All accounts</option>
            {accountOptions.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="mb-1 block text-slate-600 dark:text-slate-400">Type</span>
          <select
            value={type}
            onChange={(e) => setType(e.target.value)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
          >
            <option value="">All types</option>
            {eventTypes.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <Button
          variant={paused ? 'primary' : 'secondary'}
          aria-pressed={paused}
          onClick={() => {
            if (paused) {
              setRows((list) => prependEvents(list, held, KEEP))
              setHeld([])
            }
            setPaused(!paused)
          }}
        >
          {paused ? `Resume (${held.length} waiting)` : 'Pause'}
        </Button>
        <Button variant="ghost" onClick={() => setRows([])}>
          Clear
        </Button>
        <span className="ml-auto text-xs text-muted" data-testid="monitor-count">
          {countOf(shownCount, 'event')} shown
        </span>
      </div>

      <div className="grid gap-4 lg:grid-cols-[1fr_24rem]">
        {/* scrolls sideways on a phone: focusable (and named) so that a keyboard can scroll it */}
        <div
          role="region"
          aria-label="Events"
          tabIndex={0}
          className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
        >
          <table className="w-full text-left text-sm" data-testid="event-table">
            <thead className="border-b border-slate-200 text-xs uppercase text-muted dark:border-slate-800">
              <tr>
                <th className="px-3 py-2">Time (UTC)</th>
                <th className="px-3 py-2">Type</th>
                <th className="px-3 py-2">Account</th>
                <th className="px-3 py-2">Event id</th>
              </tr>
            </thead>
            <tbody>
              {pageRows.length === 0 ? (
                <tr>
                  <td colSpan={4} className="px-3 py-6 text-center text-muted">
                    No events yet… Connect an account or send a message to see them arrive.
                  </td>
                </tr>
              ) : null}
              {pageRows.map((r) =>
                r.kind === 'gap' ? (
                  <tr key={r.key} className="bg-amber-50 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                    <td colSpan={4} className="px-3 py-1" data-testid="monitor-gap">
                      Some events are not shown here: more happened while the connection was down than the monitor replays. The event stream
                      (GET /api/v1/events) has them all.
                    </td>
                  </tr>
                ) : (
                  <tr
                    key={r.key}
                    data-testid="monitor-event"
                    data-type={r.event.type}
                    data-id={r.event.id}
                    className={`border-b border-slate-100 last:border-0 dark:border-slate-800 ${selected?.id === r.event.id ? 'bg-slate-100 dark:bg-slate-800' : ''}`}
                  >
                    <td className="px-3 py-1.5 font-mono text-xs">{formatTime(Date.parse(r.event.timestamp)).slice(11)}</td>
                    <td className="px-3 py-1.5">
                      <button
                        type="button"
                        className="font-mono text-xs underline"
                        onClick={() => setSelected(r.event)}
                        aria-label={`Inspect event ${r.event.id}, ${r.event.type}`}
                      >
                        {r.event.type}
                      </button>
                    </td>
                    <td className="px-3 py-1.5 font-mono text-xs">{r.event.accountId ?? '—'}</td>
                    <td className="px-3 py-1.5 font-mono text-xs text-muted">{r.event.id}</td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
          {pages > 1 ? (
            <div className="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-xs dark:border-slate-800">
              <Button variant="ghost" disabled={current === 0} onClick={() => setPage(current - 1)}>
                Newer
              </Button>
              <span>
                Page {current + 1} of {pages}
              </span>
              <Button variant="ghost" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                Older
              </Button>
            </div>
          ) : null}
        </div>
        <aside
          aria-label="Event details"
          className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900"
        >
          <h2 className="mb-2 text-sm font-semibold">{selected ? selected.type : 'Event details'}</h2>
          {selected ? (
            <>
              <p className="mb-2 text-xs text-muted">
                The body a webhook endpoint receives for this event; its <code>webhook-id</code> header is <code>{selected.id}</code>.
              </p>
              <pre
                role="region"
                aria-label="Event JSON"
                tabIndex={0}
                className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950"
                data-testid="event-json"
              >
                {JSON.stringify(selected, null, 2)}
              </pre>
            </>
          ) : (
            <p className="text-sm text-muted">Choose an event to see its JSON.</p>
          )}
        </aside>
      </div>
    </div>
  )
}
