import type { DB } from '@/lib/db/client'
import { eventsAfter, findEvent, latestEvents, newestEventId, onEventsAppended, type StoredEvent } from '@/lib/db/events'
import type { EventBus } from '@/lib/events/bus'
import type { EventType } from '@/lib/vocabulary/event-types'
import { visibleEventTypes } from '@/lib/events/stream-filter'
import type { OutboxEvent } from '@/lib/events/types'
import { roleAllows } from '@/lib/keys/scopes'

/** Events the feed reads at once while relaying a burst. */
const BATCH = 500

/** The outbox event of a stored row: its payload is the exact JSON body a webhook endpoint receives. */
export const outboxEvent = (row: StoredEvent): OutboxEvent => JSON.parse(row.payload) as OutboxEvent

/**
 * The outbox types an operator's role may see on the event monitor: what the event stream
 * (`GET /api/v1/events/stream`) sends a session of that role.
 */
export function monitorTypesFor(role: 'admin' | 'viewer'): EventType[] {
  return visibleEventTypes({ readsMessages: roleAllows(role, 'messages:read') })
}

/** The newest `limit` stored events the role may see, oldest first, and the id they reach (the page's position). */
export function recentOutboxEvents(db: DB, role: 'admin' | 'viewer', limit: number): { events: OutboxEvent[]; position: string } {
  const position = newestEventId(db) ?? '0'
  return { events: latestEvents({ db, upTo: position, limit, types: monitorTypesFor(role) }).map(outboxEvent), position }
}

export type OutboxReplay = { events: StoredEvent[]; complete: boolean }

/**
 * The outbox, live, for the dashboard's event monitor. A cursor (the newest event id relayed) moves
 * forward each time events are committed; what lies after it is read in id order and handed to the
 * listeners, so every event is relayed once and in commit order (ids sort in commit order, see
 * docs/events.md). A page that comes back asks for what came after the last id it saw: `since()`
 * answers up to the cursor, and everything after the cursor is relayed live on the next read, so
 * the seam between the two has neither a gap nor an overlap.
 *
 * Woken by the database's append signal (this process's writes) and by the dispatcher's
 * `event.committed` (which also finds events another process wrote). While nobody watches
 * (`wanted()` false) it only moves its cursor to the newest id: one indexed lookup, no reads.
 */
export class OutboxFeed {
  private cursor: string
  private readonly listeners = new Set<(rows: readonly StoredEvent[]) => void>()
  private readonly offs: (() => void)[]
  private reading = false

  constructor(
    private readonly db: DB,
    bus: EventBus,
    private readonly wanted: () => boolean = () => true,
  ) {
    this.cursor = newestEventId(db) ?? '0'
    this.offs = [
      onEventsAppended(db, () => {
        this.read()
      }),
      bus.on('event.committed', () => {
        this.read()
      }),
    ]
  }

  /** The newest event id relayed so far: a watcher's position once it has joined. */
  position(): string {
    return this.cursor
  }

  /** Relays what was committed after the cursor (synchronous: SQLite). */
  read(): void {
    if (this.reading) return
    this.reading = true
    try {
      if (!this.wanted() || this.listeners.size === 0) {
        this.cursor = maxId(this.cursor, newestEventId(this.db))
        return
      }
      for (;;) {
        const rows = eventsAfter({ db: this.db, after: this.cursor, limit: BATCH })
        const last = rows.at(-1)
        if (!last) return
        this.cursor = last.id
        for (const listener of this.listeners) listener(rows)
        if (rows.length < BATCH) return
      }
    } finally {
      this.reading = false
    }
  }

  /**
   * The events of `types` after `since` up to the cursor, oldest first. Incomplete when `since` is
   * not a kept event (the retention run deleted it, and maybe what followed; or another database) or
   * more than `limit` came after it: then the newest `limit` are returned and the reader says so.
   */
  since(since: string, types: readonly EventType[], limit: number): OutboxReplay {
    const known = since === '0' || findEvent({ db: this.db, id: since }) !== undefined
    if (known && since >= this.cursor) return { events: [], complete: true }
    if (known) {
      const rows = eventsAfter({ db: this.db, after: since, limit: limit + 1, types }).filter((r) => r.id <= this.cursor)
      if (rows.length <= limit) return { events: rows, complete: true }
    }
    return { events: latestEvents({ db: this.db, upTo: this.cursor, limit, types }), complete: false }
  }

  subscribe(listener: (rows: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    for (const off of this.offs) off()
    this.listeners.clear()
  }
}

function maxId(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a
}
