import type { AccountSummary, QrPayload } from '@/lib/events/types'

/** Socket.IO event maps shared by the server gateway and the browser (types only). */
export type ServerToClientEvents = {
  'account:upsert': (account: AccountSummary) => void
  'account:deleted': (p: { accountId: string }) => void
  'account:qr': (p: QrPayload) => void
  'account:qr_cleared': (p: { accountId: string }) => void
  'account:pairing_code': (p: { accountId: string; code: string; expiresAt: number }) => void
}

export type ClientToServerEvents = {
  ping: (ack: (p: { at: number }) => void) => void
}

export type SocketData = { operatorId: number; email: string; role: 'admin' | 'viewer' }

export const SOCKET_PATH = '/socket.io'
