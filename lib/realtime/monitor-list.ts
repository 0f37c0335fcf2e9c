import type { OutboxEvent } from '@/lib/events/types'

/**
 * The event monitor's list, kept by the browser (pure: unit-tested here). Outbox event ids sort in
 * commit order, so the id of the newest event the page holds is its position: a replay or a live
 * event at or before it is one the page already has.
 */

/** A row of the monitor, newest first: an outbox event, or a mark where events are missing. */
export type MonitorRow = { kind: 'event'; key: string; event: OutboxEvent } | { kind: 'gap'; key: string }

/** The events (oldest first) that come after `lastId`, and the position after them. */
export function freshEvents(lastId: string, events: readonly OutboxEvent[]): { events: OutboxEvent[]; lastId: string } {
  const out: OutboxEvent[] = []
  let last = lastId
  for (const e of events) {
    if (e.id <= last) continue
    out.push(e)
    last = e.id
  }
  return { events: out, lastId: last }
}

/** Puts events (oldest first) on top of the rows, keeping at most `keep` rows. */
export function prependEvents(rows: readonly MonitorRow[], events: readonly OutboxEvent[], keep: number): MonitorRow[] {
  const added: MonitorRow[] = events.map((event) => ({ kind: 'event', key: event.id, event }))
  return [...added.reverse(), ...rows].slice(0, keep)
}

/**
 * Marks missing events under the oldest of the events that came after them (`seamId`: the first
 * event the server sent after the page rejoined), or on top when it sent none.
 */
export function insertGap(rows: readonly MonitorRow[], seamId: string | null, key: string, keep: number): MonitorRow[] {
  const gap: MonitorRow = { kind: 'gap', key }
  const i = seamId === null ? -1 : rows.findIndex((r) => r.kind === 'event' && r.event.id === seamId)
  if (i < 0) return [gap, ...rows].slice(0, keep)
  return [...rows.slice(0, i + 1), gap, ...rows.slice(i + 1)].slice(0, keep)
}
