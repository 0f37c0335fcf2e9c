import type { AccountSummary, QrPayload } from '@/lib/events/types'
import type { MessageView } from '@/lib/db/message-views'

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
  'message:created': (p: { accountId: string; message: MessageView }) => void
  'message:updated': (p: { accountId: string; message: MessageView }) => void
  /** to sockets watching the account: its send queue paused or resumed */
  'queue:changed': (p: { accountId: string; paused: boolean; reason: string | null; pausedUntil: number | null }) => void
  /** to sockets watching the event monitor */
  'monitor:event': (e: MonitorEvent) => void
  /** sent just before the server disconnects the socket for good */
  'session:ended': (p: { reason: SessionEndReason }) => void
}

export type ClientToServerEvents = {
  ping: (ack: (p: { at: number }) => void) => void
  /** start / stop receiving one account's message events (the account detail page) */
  'account:watch': (accountId: string) => void
  'account:unwatch': (accountId: string) => void
  /** start / stop receiving every domain event (the event monitor page) */
  'monitor:watch': () => void
  'monitor:unwatch': () => void
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
