import type { Server as HttpServer, IncomingMessage } from 'node:http'
import { getToken } from 'next-auth/jwt'
import { Server, type Socket } from 'socket.io'
import { type ActiveSession, type SessionClaims, sessionFromClaims } from '@/lib/auth/session-check'
import type { DB } from '@/lib/db/client'
import type { EventBus } from '@/lib/events/bus'
import { type ProxyTrust, requestTrust } from '@/lib/http/request-trust'
import { roleAllows } from '@/lib/keys/scopes'
import type { Logger } from '@/lib/logger'
import {
  accountRoom,
  type ClientToServerEvents,
  type MonitorWatchResult,
  type RoomSignal,
  type ServerToClientEvents,
  type SessionEndReason,
  type SocketData,
  SOCKET_PATH,
  type WatchResult,
} from './events'
import { monitorTypesFor, OutboxFeed, outboxEvent } from './outbox-feed'
import { type NumberedEvent, type RecentEvents } from './recent-events'

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>
type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

/** Every operator's sockets: account status and names. */
const OPERATORS_ROOM = 'operators'
/** Admins' sockets only: QR codes and pairing codes (linking material). */
const ADMINS_ROOM = 'admins'
/**
 * Sockets on the event monitor page, by role: each gets the outbox events its role may see on the
 * event stream (monitorTypesFor). Both roles see every type today; the rooms keep the rule in one place.
 */
const MONITOR_ROOMS = { admin: 'monitor:admin', viewer: 'monitor:viewer' } as const
/**
 * Sockets on the Webhooks page: every endpoint's deliveries. They carry endpoint URLs and what the
 * receivers answered, which the API shows only with `webhooks:manage`: operators whose role lacks it
 * (viewers) never join, and webhook events skip them in account rooms too.
 */
const WEBHOOKS_ROOM = 'webhooks'
/** Sockets of operators whose role lacks `webhooks:manage`: excluded from webhook events in account rooms. */
const NO_WEBHOOKS_ROOM = 'no-webhooks'
/** How many accounts one socket may watch at once (a page watches one; this bounds a misbehaving client). */
const MAX_WATCHED_ACCOUNTS = 20
const WATCHABLE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/
/** An outbox event id (a ULID), or `0`: before the first event. */
const OUTBOX_ID = /^(0|[0-9A-HJKMNP-TV-Z]{26})$/

const isPosition = (v: unknown): v is { epoch: string; seq: number } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { epoch?: unknown }).epoch === 'string' &&
  Number.isInteger((v as { seq?: unknown }).seq)

function sameOrigin(req: IncomingMessage, host: string | null): boolean {
  const origin = req.headers.origin
  if (!origin || !host) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

/** Account-room signals carrying webhook data: never to operators whose role lacks `webhooks:manage`. */
const isWebhookSignal = (e: NumberedEvent) => e.signal === 'dashboard.webhook_delivery' || e.signal === 'dashboard.webhook_endpoint'

type Emit = (event: RoomSignal, payload: never) => unknown

/** Emits one numbered dashboard signal with its sequence number. */
function emitSignal(emit: Emit, e: NumberedEvent): void {
  emit(e.signal, { ...e.payload, seq: e.seq } as never)
}

/** How many outbox events a page coming back to the monitor is replayed at most (the page keeps as many). */
const MONITOR_REPLAY = 500

type Handshake = { ok: true; session: ActiveSession; claims: SessionClaims } | { ok: false; reason: 'forbidden' | 'unauthorized' }

/**
 * Socket.IO on the gateway's HTTP server. Engine.IO's `allowRequest` checks every handshake — same
 * origin, and a valid session of an active operator — so an anonymous client never gets an Engine.IO
 * session at all (refused with 403 before any socket exists). Open sockets follow their session: an
 * index per operator lets a change to the operator (disable, role, password, removal) or a sign-out
 * end them at once, and a timer ends each at its session's 12-hour expiry; the client is told first
 * (`session:ended`). Two vocabularies, apart by name (./events.ts): the event monitor gets the outbox's
 * events (`event`, what webhooks receive), read from the outbox by id; pages get `dashboard.*` signals
 * from the bus. QR and pairing codes go to admins only; webhook data never to viewers.
 */
export function attachRealtime({
  httpServer,
  bus,
  db,
  logger,
  authSecret,
  trustProxy,
  recent,
}: {
  httpServer: HttpServer
  bus: EventBus
  /** the numbered recent dashboard signals: relayed to rooms, and replayed to a socket that comes back */
  recent: RecentEvents
  db: DB
  logger: Logger
  authSecret: string
  trustProxy: ProxyTrust
}): { io: RealtimeServer; close(): Promise<void> } {
  const log = logger.child({ component: 'realtime' })
  const handshakes = new WeakMap<IncomingMessage, { session: ActiveSession; claims: SessionClaims }>()
  const byOperator = new Map<number, Set<GatewaySocket>>()
  // Created before `io`, read only once a socket watches (the occupied() check runs later).
  const monitorTypes = { admin: new Set(monitorTypesFor('admin')), viewer: new Set(monitorTypesFor('viewer')) }
  const outbox = new OutboxFeed(db, bus, () => occupied(MONITOR_ROOMS.admin) || occupied(MONITOR_ROOMS.viewer))

  /** Replays the events after `since` that pass `filter`; with no `since` there is nothing to replay. */
  function replay(since: unknown, filter: (e: NumberedEvent) => boolean, send: (e: NumberedEvent) => void): WatchResult {
    const position = recent.position()
    if (!isPosition(since)) return { complete: true, position }
    const { events, complete } = recent.since(since, filter)
    for (const e of events) send(e)
    return { complete, position }
  }

  async function checkHandshake(req: IncomingMessage): Promise<Handshake> {
    const trust = requestTrust(req, trustProxy)
    if (!sameOrigin(req, trust.host)) return { ok: false, reason: 'forbidden' }
    const headers = new Headers()
    if (req.headers.cookie) headers.set('cookie', req.headers.cookie)
    const token = await getToken({ req: { headers }, secret: authSecret, secureCookie: trust.secure }).catch(() => null)
    const session = sessionFromClaims(db, token)
    if (!token || !session) return { ok: false, reason: 'unauthorized' }
    return { ok: true, session, claims: { uid: token.uid, sv: token.sv, sid: token.sid, at: token.at } }
  }

  const io: RealtimeServer = new Server(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    cors: undefined,
    allowRequest: (req, callback) => {
      checkHandshake(req).then(
        (res) => {
          if (!res.ok) {
            log.warn({ origin: req.headers.origin, reason: res.reason }, 'socket handshake refused')
            callback(res.reason, false)
            return
          }
          handshakes.set(req, res)
          callback(null, true)
        },
        (err: unknown) => {
          log.error({ err }, 'socket handshake check failed')
          callback('unauthorized', false)
        },
      )
    },
  })

  io.use((socket, next) => {
    const handshake = handshakes.get(socket.request)
    // Re-checked: the session may have ended between the Engine.IO handshake and this point.
    const session = handshake ? sessionFromClaims(db, handshake.claims) : null
    if (!handshake || !session) {
      next(new Error('unauthorized'))
      return
    }
    const { operator } = session
    socket.data = {
      operatorId: operator.id,
      email: operator.email,
      role: operator.role,
      sessionId: session.sessionId,
      expiresAt: session.expiresAt,
      claims: handshake.claims,
    }
    next()
  })

  function end(socket: GatewaySocket, reason: SessionEndReason): void {
    if (socket.disconnected) return
    log.info({ operatorId: socket.data.operatorId, reason }, 'operator socket ended with its session')
    socket.emit('session:ended', { reason })
    socket.disconnect(true)
  }

  io.on('connection', (socket) => {
    const { operatorId, role, expiresAt } = socket.data
    void socket.join(OPERATORS_ROOM)
    if (role === 'admin') void socket.join(ADMINS_ROOM)
    const webhooksAllowed = roleAllows(role, 'webhooks:manage')
    if (!webhooksAllowed) void socket.join(NO_WEBHOOKS_ROOM)
    let sockets = byOperator.get(operatorId)
    if (!sockets) byOperator.set(operatorId, (sockets = new Set()))
    sockets.add(socket)
    const expiry = setTimeout(() => end(socket, 'expired'), Math.max(0, expiresAt - Date.now()))
    socket.once('disconnect', () => {
      clearTimeout(expiry)
      sockets.delete(socket)
      if (sockets.size === 0) byOperator.delete(operatorId)
    })
    log.debug({ operatorId }, 'operator socket connected')
    socket.on('ping', (ack) => {
      if (typeof ack === 'function') ack({ at: Date.now() })
    })
    // Rooms scope what a page receives: the account detail page watches its account, the event
    // monitor watches everything. Any operator may watch (viewers read messages too).
    socket.on('account:watch', (p, ack) => {
      const accountId = typeof p === 'object' ? p.accountId : undefined
      if (typeof accountId !== 'string' || !WATCHABLE_ID.test(accountId)) return
      const watched = [...socket.rooms].filter((r) => r.startsWith('account:')).length
      if (watched >= MAX_WATCHED_ACCOUNTS) return
      void socket.join(accountRoom(accountId))
      // Joined first, then replayed: both run in this one turn of the event loop, so no event falls between.
      const result = replay(
        p.since,
        (e) => e.accountId === accountId && (webhooksAllowed || !isWebhookSignal(e)),
        (e) => emitSignal(socket.emit.bind(socket), e),
      )
      if (typeof ack === 'function') ack(result)
    })
    socket.on('account:unwatch', (accountId) => {
      if (typeof accountId === 'string') void socket.leave(accountRoom(accountId))
    })
    socket.on('monitor:watch', (p, ack) => {
      void socket.join(MONITOR_ROOMS[role])
      const since = typeof p === 'object' && typeof p.since === 'string' && OUTBOX_ID.test(p.since) ? p.since : undefined
      // Joined first, then replayed up to the feed's cursor; what is committed after it reaches the
      // room on the feed's next read. Both steps run in this one turn, so nothing falls between.
      const result: MonitorWatchResult = { complete: true, position: outbox.position() }
      if (since !== undefined) {
        const replay = outbox.since(since, [...monitorTypes[role]], MONITOR_REPLAY)
        for (const row of replay.events) socket.emit('event', outboxEvent(row))
        result.complete = replay.complete
      }
      if (typeof ack === 'function') ack(result)
    })
    socket.on('webhooks:watch', (p, ack) => {
      if (!webhooksAllowed) {
        if (typeof ack === 'function') ack({ complete: true, position: recent.position() })
        return
      }
      void socket.join(WEBHOOKS_ROOM)
      const since = typeof p === 'object' ? p.since : undefined
      const result = replay(since, isWebhookSignal, (e) => emitSignal(socket.emit.bind(socket), e))
      if (typeof ack === 'function') ack(result)
    })
    socket.on('webhooks:unwatch', () => {
      void socket.leave(WEBHOOKS_ROOM)
    })
    socket.on('monitor:unwatch', () => {
      void socket.leave(MONITOR_ROOMS[role])
    })
  })

  /** Ends the operator's sockets whose session no longer holds (disabled, removed, role or password changed). */
  function recheckOperator(operatorId: number): void {
    for (const socket of [...(byOperator.get(operatorId) ?? [])]) {
      if (!sessionFromClaims(db, socket.data.claims)) end(socket, 'revoked')
    }
  }

  // Broadcasting encodes the packet even when nobody listens: skip rooms nobody is in (most accounts'
  // message traffic is watched by no page).
  const occupied = (room: string) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0
  const toWatchers = (accountId: string) => {
    const room = accountRoom(accountId)
    return occupied(room) ? io.to(room) : null
  }
  const everyone = () => io.to(OPERATORS_ROOM)
  const admins = () => io.to(ADMINS_ROOM)
  const offs = [
    bus.on('account.created', ({ account }) => everyone().emit('dashboard.account', account)),
    bus.on('account.updated', ({ account }) => everyone().emit('dashboard.account', account)),
    bus.on('account.status', ({ account }) => everyone().emit('dashboard.account', account)),
    bus.on('account.deleted', (p) => everyone().emit('dashboard.account_deleted', p)),
    bus.on('account.qr', (p) => admins().emit('dashboard.qr', p)),
    bus.on('account.qr_cleared', (p) => admins().emit('dashboard.qr_cleared', p)),
    bus.on('account.pairing_code', ({ accountId, code, expiresAt }) =>
      admins().emit('dashboard.pairing_code', { accountId, code, expiresAt }),
    ),
    recent.subscribe((e) => {
      if (e.accountId) {
        const watchers = toWatchers(e.accountId)
        const room = watchers && isWebhookSignal(e) ? watchers.except(NO_WEBHOOKS_ROOM) : watchers
        if (room) emitSignal(room.emit.bind(room), e)
      }
      if (isWebhookSignal(e) && occupied(WEBHOOKS_ROOM)) {
        const room = io.to(WEBHOOKS_ROOM)
        emitSignal(room.emit.bind(room), e)
      }
    }),
    outbox.subscribe((rows) => {
      for (const role of ['admin', 'viewer'] as const) {
        if (!occupied(MONITOR_ROOMS[role])) continue
        const room = io.to(MONITOR_ROOMS[role])
        for (const row of rows) if (monitorTypes[role].has(row.type)) room.emit('event', outboxEvent(row))
      }
    }),
    bus.on('operator.changed', ({ operatorId }) => recheckOperator(operatorId)),
    bus.on('operator.session_ended', ({ operatorId, sessionId }) => {
      for (const socket of [...(byOperator.get(operatorId) ?? [])]) if (socket.data.sessionId === sessionId) end(socket, 'signed_out')
    }),
  ]

  return {
    io,
    close: () =>
      new Promise<void>((resolve) => {
        for (const off of offs) off()
        outbox.close()
        // io.close() would also close the shared HTTP server; disconnect the clients only.
        io.disconnectSockets(true)
        void io.engine.close()
        resolve()
      }),
  }
}
