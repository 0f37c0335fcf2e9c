import crypto from 'node:crypto'
import type { EventBus } from '@/lib/events/bus'
import type { DomainEventName, DomainEvents } from '@/lib/events/types'
import type { EventPosition, RoomSignal } from './events'

type Describe<K extends DomainEventName> = {
  signal: RoomSignal
  accountId: (p: DomainEvents[K]) => string | null
  payload: (p: DomainEvents[K]) => object
}

/**
 * The dashboard signals that pages follow and resume (an account's room, the Webhooks page), and the
 * bus event each comes from. These are not domain events: the domain events are the outbox's, which
 * the event monitor shows (./outbox-feed.ts). A mapped type over DomainEventName: an event added to
 * lib/events/types.ts does not compile until it is placed here (null: not a resumable signal; account
 * changes, QR and pairing codes go to every operator or to admins directly, see gateway.ts).
 */
const DESCRIBE: { [K in DomainEventName]: Describe<K> | null } = {
  'account.created': null,
  'account.updated': null,
  'account.deleted': null,
  'account.status': null,
  'account.qr': null,
  'account.qr_cleared': null,
  'account.pairing_code': null,
  'message.created': {
    signal: 'dashboard.message',
    accountId: (p) => p.accountId,
    payload: (p) => ({ change: 'created', accountId: p.accountId, message: p.message }),
  },
  'message.updated': {
    signal: 'dashboard.message',
    accountId: (p) => p.accountId,
    payload: (p) => ({ change: 'updated', accountId: p.accountId, message: p.message }),
  },
  'messages.queue': { signal: 'dashboard.queue', accountId: (p) => p.accountId, payload: (p) => p },
  // the session logs it; no page shows it
  'messages.store_failed': null,
  'event.committed': null,
  // Operational: the Webhooks page and the account page follow deliveries live.
  'webhook.delivery': { signal: 'dashboard.webhook_delivery', accountId: (p) => p.accountId, payload: (p) => p },
  'webhook.endpoint': { signal: 'dashboard.webhook_endpoint', accountId: (p) => p.accountId, payload: (p) => p },
  'operator.changed': null,
  'operator.session_ended': null,
}

/** One dashboard signal, numbered. */
export type NumberedEvent = {
  seq: number
  at: number
  signal: RoomSignal
  accountId: string | null
  /** what the signal carries (without `seq`, added when it is sent) */
  payload: object
}

/**
 * The recent dashboard signals of this process, numbered: what the realtime gateway relays to
 * account rooms and the Webhooks page, and what a page that lost its socket replays from (by seq)
 * instead of re-reading everything. Bounded by count (`capacity`) and age (`maxAgeMs`), so a burst of
 * long messages cannot hold much memory; a reader whose position is older than what is kept, or from
 * another process epoch (a restart), is told the replay is incomplete and re-reads. Per-process state
 * behind a small interface.
 */
export class RecentEvents {
  readonly epoch = crypto.randomBytes(6).toString('hex')
  private seq = 0
  private readonly buffer: NumberedEvent[] = []
  private readonly listeners = new Set<(e: NumberedEvent) => void>()
  private readonly offs: (() => void)[]

  constructor(
    bus: EventBus,
    private readonly capacity = 2000,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs = 10 * 60_000,
  ) {
    // Each entry's functions take its own event's payload; the bus hands each listener exactly that.
    const entries = (Object.entries(DESCRIBE) as [DomainEventName, Describe<DomainEventName> | null][]).filter(
      (entry): entry is [DomainEventName, Describe<DomainEventName>] => entry[1] !== null,
    )
    this.offs = entries.map(([name, d]) =>
      bus.on(name, (payload) => {
        const e: NumberedEvent = {
          seq: ++this.seq,
          at: this.now(),
          signal: d.signal,
          accountId: d.accountId(payload),
          payload: d.payload(payload),
        }
        this.buffer.push(e)
        if (this.buffer.length > this.capacity) this.buffer.shift()
        while ((this.buffer[0]?.at ?? e.at) < e.at - this.maxAgeMs) this.buffer.shift()
        for (const listener of this.listeners) listener(e)
      }),
    )
  }

  position(): EventPosition {
    return { epoch: this.epoch, seq: this.seq }
  }

  /** Signals after `from` that pass `filter`, oldest first; `complete` false when some may be missing. */
  since(from: EventPosition, filter: (e: NumberedEvent) => boolean = () => true): { events: NumberedEvent[]; complete: boolean } {
    if (from.epoch !== this.epoch || from.seq > this.seq) return { events: [], complete: false }
    const oldest = this.buffer[0]?.seq ?? this.seq + 1
    const complete = from.seq >= oldest - 1
    return { events: this.buffer.filter((e) => e.seq > from.seq && filter(e)), complete }
  }

  subscribe(listener: (e: NumberedEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    for (const off of this.offs) off()
    this.listeners.clear()
  }
}
