import type { AccountSummary, QrPayload } from '@/lib/events/types'

/** Why the server ended a dashboard's socket: its session ended (sign-out, 12 h expiry, or an admin's change). */
export type SessionEndReason = 'signed_out' | 'expired' | 'revoked'

/** Socket.IO event maps shared by the server gateway and the browser (types only). */
export type ServerToClientEvents = {
  'account:upsert': (account: AccountSummary) => void
  'account:deleted': (p: { accountId: string }) => void
  /** admins only: linking material */
  'account:qr': (p: QrPayload) => void
  'account:qr_cleared': (p: { accountId: string }) => void
  /** admins only: linking material */
  'account:pairing_code': (p: { accountId: string; code: string; expiresAt: number }) => void
  /** sent just before the server disconnects the socket for good */
  'session:ended': (p: { reason: SessionEndReason }) => void
}

export type ClientToServerEvents = {
  ping: (ack: (p: { at: number }) => void) => void
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
