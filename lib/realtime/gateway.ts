import type { Server as HttpServer, IncomingMessage } from 'node:http'
import { getToken } from 'next-auth/jwt'
import { Server } from 'socket.io'
import { operatorFromClaims } from '@/lib/auth/session'
import type { DB } from '@/lib/db/client'
import type { EventBus } from '@/lib/events/bus'
import { requestTrust } from '@/lib/http/request-trust'
import type { Logger } from '@/lib/logger'
import { type ClientToServerEvents, type ServerToClientEvents, type SocketData, SOCKET_PATH } from './events'

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

const OPERATORS_ROOM = 'operators'

function sameOrigin(req: IncomingMessage, host: string | null): boolean {
  const origin = req.headers.origin
  if (!origin || !host) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

/**
 * Socket.IO on the gateway's HTTP server. The handshake is accepted only from the same origin and
 * with a valid Auth.js session of an active operator; the bus is the only source of what is pushed
 * (sessions and route handlers never call Socket.IO themselves).
 */
export function attachRealtime({
  httpServer,
  bus,
  db,
  logger,
  authSecret,
  trustProxy,
}: {
  httpServer: HttpServer
  bus: EventBus
  db: DB
  logger: Logger
  authSecret: string
  trustProxy: boolean
}): { io: RealtimeServer; close(): Promise<void> } {
  const log = logger.child({ component: 'realtime' })
  const io: RealtimeServer = new Server(httpServer, { path: SOCKET_PATH, serveClient: false, cors: undefined })

  io.use((socket, next) => {
    authenticate(socket).then(next, (err: unknown) => {
      log.error({ err }, 'socket handshake check failed')
      next(new Error('unauthorized'))
    })
  })

  /** Resolves to the error to refuse the handshake with, or undefined to accept it. */
  async function authenticate(socket: Parameters<Parameters<RealtimeServer['use']>[0]>[0]): Promise<Error | undefined> {
    const req = socket.request
    const trust = requestTrust(req, trustProxy)
    if (!sameOrigin(req, trust.host)) {
      log.warn({ origin: req.headers.origin }, 'socket refused: cross-origin handshake')
      return new Error('forbidden')
    }
    const secure = trust.secure
    const headers = new Headers()
    if (req.headers.cookie) headers.set('cookie', req.headers.cookie)
    const token = await getToken({ req: { headers }, secret: authSecret, secureCookie: secure }).catch(() => null)
    const op = operatorFromClaims(db, token)
    if (!op) return new Error('unauthorized')
    socket.data = { operatorId: op.id, email: op.email, role: op.role }
    return undefined
  }

  io.on('connection', (socket) => {
    void socket.join(OPERATORS_ROOM)
    log.debug({ operatorId: socket.data.operatorId }, 'operator socket connected')
    socket.on('ping', (ack) => {
      if (typeof ack === 'function') ack({ at: Date.now() })
    })
  })

  const room = () => io.to(OPERATORS_ROOM)
  const offs = [
    bus.on('account.created', ({ account }) => room().emit('account:upsert', account)),
    bus.on('account.updated', ({ account }) => room().emit('account:upsert', account)),
    bus.on('account.status', ({ account }) => room().emit('account:upsert', account)),
    bus.on('account.deleted', (p) => room().emit('account:deleted', p)),
    bus.on('account.qr', (p) => room().emit('account:qr', p)),
    bus.on('account.qr_cleared', (p) => room().emit('account:qr_cleared', p)),
    bus.on('account.pairing_code', ({ accountId, code, expiresAt }) => room().emit('account:pairing_code', { accountId, code, expiresAt })),
  ]

  return {
    io,
    close: () =>
      new Promise<void>((resolve) => {
        for (const off of offs) off()
        // io.close() would also close the shared HTTP server; disconnect the clients only.
        io.disconnectSockets(true)
        void io.engine.close()
        resolve()
      }),
  }
}
