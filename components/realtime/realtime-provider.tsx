'use client'

import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react'
import { useRouter } from 'next/navigation'
import { io, type Socket } from 'socket.io-client'
import {
  type ClientToServerEvents,
  type EventPosition,
  type ServerToClientEvents,
  type SessionEndReason,
  SOCKET_PATH,
  type WatchResult,
} from '@/lib/realtime/events'

export type GatewaySocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * `connected`: the socket is up now. `generation` counts connections: it changes on every (re)connect,
 * which is when a page re-syncs what it may have missed. `dropped`: the socket was up and is not now.
 */
type RealtimeState = { socket: GatewaySocket | null; connected: boolean; generation: number; dropped: boolean }
const RealtimeContext = createContext<RealtimeState>({ socket: null, connected: false, generation: 0, dropped: false })

/**
 * One Socket.IO connection per dashboard tab, authenticated by the session cookie. The socket follows
 * the session: when the server ends it (sign-out, expiry, an admin's change) the tab goes to the login
 * page at once. A refused reconnect (the server restarted while the session ended) is checked with one
 * API request, which answers 401 once the session is gone.
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<RealtimeState>({ socket: null, connected: false, generation: 0, dropped: false })
  const router = useRouter()
  useEffect(() => {
    // Leaves the dashboard for the login page, which says why.
    const toLogin = (reason: SessionEndReason) => router.replace(`/login?ended=${reason}`)
    const socket: GatewaySocket = io({ path: SOCKET_PATH, withCredentials: true, transports: ['websocket', 'polling'] })
    let generation = 0
    let everConnected = false
    const update = () => {
      if (socket.connected && !everConnected) everConnected = true
      setState({ socket, connected: socket.connected, generation, dropped: everConnected && !socket.connected && socket.active })
    }
    const onConnect = () => {
      generation++
      update()
    }
    const onEnded = ({ reason }: { reason: SessionEndReason }) => {
      socket.close()
      update()
      toLogin(reason)
    }
    const onConnectError = () => {
      update()
      void fetch('/api/v1/accounts', { credentials: 'same-origin', cache: 'no-store' })
        .then((res) => {
          if (res.status === 401) {
            socket.close()
            toLogin('revoked')
          }
        })
        .catch(() => undefined)
    }
    socket.on('connect', onConnect)
    socket.on('disconnect', update)
    socket.on('connect_error', onConnectError)
    socket.on('session:ended', onEnded)
    update()
    return () => {
      socket.off('connect', onConnect)
      socket.off('disconnect', update)
      socket.off('connect_error', onConnectError)
      socket.off('session:ended', onEnded)
      socket.close()
    }
  }, [router])
  return <RealtimeContext.Provider value={state}>{children}</RealtimeContext.Provider>
}

export function useRealtime(): RealtimeState {
  return useContext(RealtimeContext)
}

/** Subscribes to one server event for the lifetime of the calling component. */
export function useRealtimeEvent<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): void {
  const { socket } = useRealtime()
  useEffect(() => {
    if (!socket) return
    // socket.io-client's overloads cannot relate a generic event name to its handler type.
    const s = socket as unknown as { on(e: string, h: unknown): void; off(e: string, h: unknown): void }
    s.on(event, handler)
    return () => s.off(event, handler)
  }, [socket, event, handler])
}

/**
 * Runs `resync` after every reconnect. Pages use it to reload what changed while the socket was down.
 * With `firstConnect`, also once the socket first connects: for a page whose signals are not replayed,
 * what changed between its server rendering and that connect (a second, or more on a slow device)
 * would otherwise be missing until the next change.
 */
export function useResync(resync: () => void, opts: { firstConnect?: boolean } = {}): void {
  const { generation } = useRealtime()
  const seen = useRef(generation)
  const firstConnect = opts.firstConnect ?? false
  useEffect(() => {
    if (generation === seen.current) return
    const first = seen.current === 0
    seen.current = generation
    if (!first || firstConnect) resync()
  }, [generation, resync, firstConnect])
}

/**
 * Follows a resumable feed — one account's room, or the event monitor — from `initial` (the position
 * the page was rendered at). On every (re)connect `join` asks the server to replay what came after the
 * last position seen, then to send the rest live; when the server cannot (it restarted, or the page was
 * away longer than it keeps events), `onIncomplete` runs and the page re-reads instead. Handlers call
 * the returned function with each event's `seq`.
 */
export function useResumableFeed(
  join: (socket: GatewaySocket, since: EventPosition, ack: (r: WatchResult) => void) => () => void,
  initial: EventPosition,
  onIncomplete: () => void,
): (seq: number) => void {
  const { socket, generation } = useRealtime()
  const position = useRef(initial)
  const incomplete = useRef(onIncomplete)
  useEffect(() => {
    incomplete.current = onIncomplete
  }, [onIncomplete])
  useEffect(() => {
    if (!socket || generation === 0) return
    return join(socket, position.current, (r) => {
      position.current = r.position
      if (!r.complete) incomplete.current()
    })
  }, [socket, generation, join])
  return useCallback((seq: number) => {
    if (seq > position.current.seq) position.current = { ...position.current, seq }
  }, [])
}

/** The account page's feed: its room's message events, resumed after every reconnect. */
export function useWatchAccount(accountId: string, initial: EventPosition, onIncomplete: () => void): (seq: number) => void {
  const join = useCallback(
    (socket: GatewaySocket, since: EventPosition, ack: (r: WatchResult) => void) => {
      socket.emit('account:watch', { accountId, since }, ack)
      return () => {
        socket.emit('account:unwatch', accountId)
      }
    },
    [accountId],
  )
  return useResumableFeed(join, initial, onIncomplete)
}

/** A banner under the header while the live connection is down; pages re-sync when it returns. */
export function ConnectionBanner() {
  const { dropped } = useRealtime()
  if (!dropped) return null
  return (
    <div
      role="status"
      data-testid="realtime-banner"
      className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      Live updates are interrupted; reconnecting… The page catches up when the connection returns.
    </div>
  )
}

export function ConnectionDot() {
  const { connected } = useRealtime()
  return (
    <span
      className="flex items-center gap-1.5 text-xs text-muted"
      data-testid="realtime-status"
      data-connected={connected ? 'true' : 'false'}
    >
      <span className={`inline-block h-2 w-2 rounded-full ${connected ? 'bg-emerald-500' : 'bg-slate-400'}`} aria-hidden />
      {connected ? 'Live' : 'Offline'}
    </span>
  )
}
