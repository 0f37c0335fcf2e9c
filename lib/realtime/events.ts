import type { AccountSummary, DomainEvents, QrPayload } from '@/lib/events/types'
import type { MessageView } from '@/lib/messages/views'
import type { EventPosition } from './recent-events'

export type { EventPosition }

/**
 * The answer to a watch request: whether every event after the given position was replayed (false
 * after a restart, or when the position is older than what the server keeps: re-read instead), and
 * the position now.
 */
export type WatchResult = { complete: boolean; position: EventPosition }

/** Why the server ended a dashboard's socket: its session ended (sign-out, 12 h expiry, or an admin's change). */
export type SessionEndReason = 'signed_out' | 'expired' | 'revoked'

/**
 * One domain event as the event monitor shows it. `seq` numbers the events this process announced
 * since it started (gaps tell a watcher it missed some); `payload` is the bus payload with linking
 * material (QR images, pairing codes) removed for viewers.
 */
export type MonitorEvent = { seq: number; at: number; name: string; accountId: string | null; payload: unknown }

/** Socket.IO event maps shared by the server gateway and the browser (types only). */
export type ServerToClientEvents = {
  'account:upsert': (account: AccountSummary) => void
  'account:deleted': (p: { accountId: string }) => void
  /** admins only: linking material */
  'account:qr': (p: QrPayload) => void
  'account:qr_cleared': (p: { accountId: string }) => void
  /** admins only: linking material */
  'account:pairing_code': (p: { accountId: string; code: string; expiresAt: number }) => void
  /** to sockets watching the account (its room): a message entered the log, or changed */
  'message:created': (p: { accountId: string; message: MessageView; seq: number }) => void
  'message:updated': (p: { accountId: string; message: MessageView; seq: number }) => void
  /** to sockets watching the account: its send queue paused or resumed */
  'queue:changed': (p: { accountId: string; paused: boolean; reason: string | null; pausedUntil: number | null; seq: number }) => void
  /**
   * to sockets watching the Webhooks page (every endpoint), and to an account's room for the endpoints
   * bound to that account: a delivery appeared or changed, an endpoint changed
   */
  'webhook:delivery': (p: DomainEvents['webhook.delivery'] & { seq: number }) => void
  'webhook:endpoint': (p: DomainEvents['webhook.endpoint'] & { seq: number }) => void
  /** to sockets watching the event monitor */
  'monitor:event': (e: MonitorEvent) => void
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
  /** Start receiving every domain event (the event monitor page), replaying those after `since`. */
  'monitor:watch': (p: { since?: EventPosition }, ack?: (r: WatchResult) => void) => void
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
