import crypto from 'node:crypto'
import type { EventBus } from '@/lib/events/bus'
import type { DomainEventName, DomainEvents } from '@/lib/events/types'

type Describe<K extends DomainEventName> = {
  accountId: (p: DomainEvents[K]) => string | null
  /** what a viewer may see of the payload: linking material (QR images, pairing codes) never */
  forViewer?: (p: DomainEvents[K]) => unknown
}

/**
 * Every domain event the monitor relays, with its account and its viewer-safe form. A mapped type over
 * DomainEventName: an event added to lib/events/types.ts does not compile until it is described here,
 * so the monitor can never silently miss one (or leak one's secrets to viewers).
 */
const DESCRIBE: { [K in DomainEventName]: Describe<K> | null } = {
  'account.created': { accountId: (p) => p.account.id },
  'account.updated': { accountId: (p) => p.account.id },
  'account.deleted': { accountId: (p) => p.accountId },
  'account.status': { accountId: (p) => p.accountId },
  'account.qr': { accountId: (p) => p.accountId, forViewer: (p) => ({ accountId: p.accountId, expiresAt: p.expiresAt }) },
  'account.qr_cleared': { accountId: (p) => p.accountId },
  'account.pairing_code': {
    accountId: (p) => p.accountId,
    forViewer: (p) => ({ accountId: p.accountId, expiresAt: p.expiresAt }),
  },
  'message.created': { accountId: (p) => p.accountId },
  'message.updated': { accountId: (p) => p.accountId },
  'messages.queue': { accountId: (p) => p.accountId },
  'messages.store_failed': { accountId: (p) => p.accountId },
  // null: not relayed. An outbox event is the persisted form of a change the monitor already shows
  // as its domain event (account.created, message.created, …); relaying both would show each twice.
  'event.committed': null,
  // Operational: the Webhooks page and the account page follow deliveries live. They carry endpoint
  // URLs and receivers' answers, which the API shows only with webhooks:manage: viewers see that
  // something happened, not what.
  'webhook.delivery': { accountId: (p) => p.accountId, forViewer: (p) => ({ change: p.change, accountId: p.accountId }) },
  'webhook.endpoint': { accountId: (p) => p.accountId, forViewer: (p) => ({ change: p.change, accountId: p.accountId }) },
  'operator.changed': { accountId: () => null },
  'operator.session_ended': { accountId: () => null, forViewer: (p) => ({ operatorId: p.operatorId, reason: p.reason }) },
}

/** The event names the monitor can filter by. */
export const MONITORED_EVENTS = (Object.keys(DESCRIBE) as DomainEventName[]).filter((name) => DESCRIBE[name] !== null)

/** One domain event, numbered, in the form admins see and the form viewers see. */
export type NumberedEvent = {
  seq: number
  at: number
  name: DomainEventName
  accountId: string | null
  payload: unknown
  viewerPayload: unknown
}

/** Where a reader is in the event sequence: the process's epoch (numbering restarts with it) and the last seq seen. */
export type EventPosition = { epoch: string; seq: number }

/**
 * The recent domain events of this process, numbered: what the realtime gateway relays, and what a
 * page that lost its socket replays from (by event id) instead of re-reading everything. Bounded by
 * count (`capacity`) and age (`maxAgeMs`), so a burst of long messages cannot hold much memory; a
 * reader whose position is older than what is kept, or from another process epoch (a restart), is told
 * the replay is incomplete and re-reads. Per-process state behind a small
 * interface: the persisted event outbox can answer `since()` the same way once it exists.
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
          name,
          accountId: d.accountId(payload),
          payload,
          viewerPayload: d.forViewer ? d.forViewer(payload) : payload,
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

  /** Events after `from` that pass `filter`, oldest first; `complete` false when some may be missing. */
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
