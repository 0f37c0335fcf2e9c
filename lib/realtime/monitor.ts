import type { EventBus } from '@/lib/events/bus'
import type { DomainEventName, DomainEvents } from '@/lib/events/types'
import type { MonitorEvent } from './events'

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
const DESCRIBE: { [K in DomainEventName]: Describe<K> } = {
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
  'operator.changed': { accountId: () => null },
  'operator.session_ended': { accountId: () => null, forViewer: (p) => ({ operatorId: p.operatorId, reason: p.reason }) },
}

/** The event names the monitor can filter by. */
export const MONITORED_EVENTS = Object.keys(DESCRIBE) as DomainEventName[]

/**
 * Subscribes to every domain event and hands each, numbered, in an admin form and a viewer form to
 * `relay` (the realtime gateway emits them to the monitor rooms). Returns the unsubscribe function.
 */
export function relayDomainEvents(
  bus: EventBus,
  relay: (forAdmins: MonitorEvent, forViewers: MonitorEvent) => void,
  now: () => number = Date.now,
): () => void {
  let seq = 0
  // Each entry's functions take its own event's payload; the bus hands each listener exactly that.
  const entries = Object.entries(DESCRIBE) as [DomainEventName, Describe<DomainEventName>][]
  const offs = entries.map(([name, d]) =>
    bus.on(name, (payload) => {
      const base = { seq: ++seq, at: now(), name, accountId: d.accountId(payload) }
      relay({ ...base, payload }, { ...base, payload: d.forViewer ? d.forViewer(payload) : payload })
    }),
  )
  return () => {
    for (const off of offs) off()
  }
}
