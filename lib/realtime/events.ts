import type { AccountSummary, DomainEvents, OutboxEvent, QrPayload } from '@/lib/events/types'
import type { MessageView } from '@/lib/messages/views'

/** Where a reader is in the dashboard's signal sequence: the process's epoch (numbering restarts with it) and the last seq seen. */
export type EventPosition = { epoch: string; seq: number }

/**
 * The answer to a watch request: whether every event after the given position was replayed (false
 * after a restart, or when the position is older than what the server keeps: re-read instead), and
 * the position now.
 */
export type WatchResult = { complete: boolean; position: EventPosition }

/** Why the server ended a dashboard's socket: its session ended (sign-out, 12 h expiry, or an admin's change). */
export type SessionEndReason = 'signed_out' | 'expired' | 'revoked'

/**
 * The event monitor's answer to a watch request: whether every outbox event after the given id was
 * replayed (false when more came than the monitor keeps, or the id is no longer stored: the newest
 * were sent instead), and the id it is at now.
 */
export type MonitorWatchResult = { complete: boolean; position: string }

/** A change to an account's message log, as the account page follows it. */
export type MessageSignal = { change: 'created' | 'updated'; accountId: string; message: MessageView; seq: number }
export type QueueSignal = { accountId: string; paused: boolean; reason: string | null; pausedUntil: number | null; seq: number }
export type DeliverySignal = DomainEvents['webhook.delivery'] & { seq: number }
export type EndpointSignal = DomainEvents['webhook.endpoint'] & { seq: number }

/**
 * The dashboard signals that pages resume after a reconnect (numbered, see ./recent-events.ts).
 *
 * Two vocabularies travel over the socket and are kept apart by name: `event` carries the gateway's
 * domain events — outbox events, exactly as webhooks and the event stream deliver them — and every
 * `dashboard.*` name is a signal that exists only to keep the dashboard's pages live (linking
 * material, message-log rows, delivery progress). No `dashboard.*` signal is a domain event.
 */
export type RoomSignals = {
  /** to sockets watching the account (its room): a message entered the log, or changed */
  'dashboard.message': (p: MessageSignal) => void
  /** to sockets watching the account: its send queue paused or resumed */
  'dashboard.queue': (p: QueueSignal) => void
  /**
   * to sockets watching the Webhooks page (every endpoint), and to an account's room for the endpoints
   * bound to that account: a delivery appeared or changed, an endpoint changed. Never to viewers.
   */
  'dashboard.webhook_delivery': (p: DeliverySignal) => void
  'dashboard.webhook_endpoint': (p: EndpointSignal) => void
}
export type RoomSignal = keyof RoomSignals

/** Socket.IO event maps shared by the server gateway and the browser (types only). */
export type ServerToClientEvents = RoomSignals & {
  /** to sockets watching the event monitor: one outbox event, the JSON body a webhook endpoint receives */
  event: (e: OutboxEvent) => void
  /** to every operator: an account was created or changed (name, status) */
  'dashboard.account': (account: AccountSummary) => void
  'dashboard.account_deleted': (p: { accountId: string }) => void
  /** admins only: linking material */
  'dashboard.qr': (p: QrPayload) => void
  'dashboard.qr_cleared': (p: { accountId: string }) => void
  /** admins only: linking material */
  'dashboard.pairing_code': (p: { accountId: string; code: string; expiresAt: number }) => void
  /** sent just before the server disconnects the socket for good */
  'session:ended': (p: { reason: SessionEndReason }) => void
}

export type ClientToServerEvents = {
  ping: (ack: (p: { at: number }) => void) => void
  /**
   * Start receiving one account's message events (the account page); with `since`, the events after
   * that position are replayed to this socket first (a page back from a dropped connection).
   */
  'account:watch': (p: { accountId: string; since?: EventPosition }, ack?: (r: WatchResult) => void) => void
  'account:unwatch': (accountId: string) => void
  /**
   * Start receiving the outbox's events (the event monitor page), first those after `since` (an
   * event id: the last one the page has).
   */
  'monitor:watch': (p: { since?: string }, ack?: (r: MonitorWatchResult) => void) => void
  'monitor:unwatch': () => void
  /** Start receiving every webhook endpoint's and delivery's changes (the Webhooks page), replaying those after `since`. */
  'webhooks:watch': (p: { since?: EventPosition }, ack?: (r: WatchResult) => void) => void
  'webhooks:unwatch': () => void
}

export type SocketData = {
  operatorId: number
  email: string
  role: 'admin' | 'viewer'
  sessionId: string
  expiresAt: number
  /** the token's claims, re-checked against the database when the operator changes */
  claims: { uid?: string | null; sv?: number | null; sid?: string | null; at?: number | null }
}

export const SOCKET_PATH = '/socket.io'

/** The Socket.IO room of one account's watchers. */
export const accountRoom = (accountId: string) => `account:${accountId}`
