'use client'

import { useCallback, useRef, useState } from 'react'
import { type GatewaySocket, useRealtimeEvent, useResumableFeed } from '@/components/realtime/realtime-provider'
import { Button } from '@/components/ui/primitives'
import { formatTime } from '@/components/ui/format'
import type { EventPosition, MonitorEvent, WatchResult } from '@/lib/realtime/events'

/** The monitor's feed: every domain event, resumed after a reconnect from the last one seen. */
function joinMonitor(socket: GatewaySocket, since: EventPosition, ack: (r: WatchResult) => void): () => void {
  socket.emit('monitor:watch', { since }, ack)
  return () => {
    socket.emit('monitor:unwatch')
  }
}

/** How many events the page keeps; older ones drop off the bottom. */
const KEEP = 500
const PAGE = 50

type Row = (MonitorEvent | { gap: true; seq: number; missed: number }) & { key: number }

/**
 * The live stream of domain events from the gateway's bus (newest first): filter by account and type,
 * pause (events keep counting and appear on resume), inspect one as JSON. A jump in the sequence number
 * (the socket dropped, or the server restarted) shows as a marked gap.
 */
export function EventMonitor({
  eventNames,
  accountIds,
  position,
}: {
  eventNames: string[]
  accountIds: string[]
  /** where the event sequence was when the page was rendered */
  position: EventPosition
}) {
  const [rows, setRows] = useState<Row[]>([])
  const [paused, setPaused] = useState(false)
  const [held, setHeld] = useState<MonitorEvent[]>([])
  const [account, setAccount] = useState('')
  const [type, setType] = useState('')
  const [selected, setSelected] = useState<(MonitorEvent & { key: number }) | null>(null)
  const [page, setPage] = useState(0)
  const lastSeq = useRef(0)
  const nextKey = useRef(0)

  const add = useCallback((events: MonitorEvent[]) => {
    const fresh: Row[] = []
    for (const e of events) {
      const missed = lastSeq.current > 0 ? e.seq - lastSeq.current - 1 : 0
      if (missed > 0) fresh.unshift({ gap: true, seq: e.seq, missed, key: ++nextKey.current })
      else if (e.seq <= lastSeq.current) fresh.unshift({ gap: true, seq: e.seq, missed: -1, key: ++nextKey.current })
      lastSeq.current = e.seq
      fresh.unshift({ ...e, key: ++nextKey.current })
    }
    setRows((list) => [...fresh, ...list].slice(0, KEEP))
  }, [])
  // Back from a dropped connection the server replays what the page missed; when it cannot (it
  // restarted, or kept fewer events than were missed) the stream says so.
  const onIncomplete = useCallback(() => {
    lastSeq.current = 0
    setRows((list) => [{ gap: true, seq: 0, missed: -2, key: ++nextKey.current } as Row, ...list].slice(0, KEEP))
  }, [])
  const seen = useResumableFeed(joinMonitor, position, onIncomplete)
  const onEvent = useCallback(
    (e: MonitorEvent) => {
      seen(e.seq)
      if (paused) setHeld((h) => [...h, e].slice(-KEEP))
      else add([e])
    },
    [paused, add, seen],
  )
  useRealtimeEvent('monitor:event', onEvent)

  // Accounts created while the page is open join the filter as their events arrive.
  const accountOptions = [...new Set([...accountIds, ...rows.flatMap((r) => ('gap' in r || !r.accountId ? [] : [r.accountId]))])].sort()
  const visible = rows.filter((r) => 'gap' in r || ((!account || r.accountId === account) && (!type || r.name === type)))
  const shownCount = visible.filter((r) => !('gap' in r)).length
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
            {eventNames.map((n) => (
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
              add(held)
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
          {shownCount} {shownCount === 1 ? 'event' : 'events'} shown
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
                <th className="px-3 py-2">#</th>
                <th className="px-3 py-2">Time (UTC)</th>
                <th className="px-3 py-2">Type</th>
                <th className="px-3 py-2">Account</th>
              </tr>
            </thead>
            <tbody>
              {pageRows.length === 0 ? (
                <tr>
                  <td colSpan={4} className="px-3 py-6 text-center text-muted">
                    Waiting for events… Connect an account or send a message to see them arrive.
                  </td>
                </tr>
              ) : null}
              {pageRows.map((r) =>
                'gap' in r ? (
                  <tr key={r.key} className="bg-amber-50 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                    <td colSpan={4} className="px-3 py-1" data-testid="monitor-gap">
                      {r.missed > 0
                        ? `${r.missed} event(s) missed while the connection was down`
                        : 'The gateway restarted: numbering starts again'}
                    </td>
                  </tr>
                ) : (
                  <tr
                    key={r.key}
                    data-testid="monitor-event"
                    data-name={r.name}
                    className={`border-b border-slate-100 last:border-0 dark:border-slate-800 ${selected?.key === r.key ? 'bg-slate-100 dark:bg-slate-800' : ''}`}
                  >
                    <td className="px-3 py-1.5 font-mono text-xs text-muted">{r.seq}</td>
                    <td className="px-3 py-1.5 font-mono text-xs">{formatTime(r.at).slice(11)}</td>
                    <td className="px-3 py-1.5">
                      <button
                        type="button"
                        className="font-mono text-xs underline"
                        onClick={() => setSelected(r)}
                        aria-label={`Inspect event ${r.seq}, ${r.name}`}
                      >
                        {r.name}
                      </button>
                    </td>
                    <td className="px-3 py-1.5 font-mono text-xs">{r.accountId ?? '—'}</td>
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
          <h2 className="mb-2 text-sm font-semibold">{selected ? `${selected.name} #${selected.seq}` : 'Event details'}</h2>
          {selected ? (
            <pre
              role="region"
              aria-label="Event JSON"
              tabIndex={0}
              className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950"
              data-testid="event-json"
            >
              {JSON.stringify(
                {
                  seq: selected.seq,
                  at: new Date(selected.at).toISOString(),
                  name: selected.name,
                  accountId: selected.accountId,
                  payload: selected.payload,
                },
                null,
                2,
              )}
            </pre>
          ) : (
            <p className="text-sm text-muted">Choose an event to see its JSON.</p>
          )}
        </aside>
      </div>
    </div>
  )
}
