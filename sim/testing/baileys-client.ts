/**
 * Test helper: a real, unmodified Baileys client pointed at the simulator, with in-memory auth state,
 * a silent logger, and recorders for what a user of Baileys observes (connection updates, upserts,
 * message status changes), plus waits with timeouts (no fixed sleeps).
 */
import makeWASocket, {
  type AuthenticationCreds,
  type ConnectionState,
  initAuthCreds,
  type SignalKeyStore,
  type UserFacingSocketConfig,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys'
import pino from 'pino'
import { makeMemoryKeyStore } from '../contacts/memory-store'
import { quietLibsignalConsole } from '../contacts/quiet-libsignal'

quietLibsignalConsole()

export type MemoryAuth = { creds: AuthenticationCreds; keys: SignalKeyStore }

export const makeMemoryAuth = (creds: AuthenticationCreds = initAuthCreds()): MemoryAuth => ({ creds, keys: makeMemoryKeyStore() })

export type CloseInfo = { statusCode: number | undefined; message: string | undefined }

export type Upsert = { type: string; message: WAMessage }

/** Status changes of one message id, and which event carried each. */
export type StatusChange = { id: string; status: number; via: 'messages.update' | 'messages.upsert' }

export type TestClient = {
  sock: WASocket
  auth: MemoryAuth
  updates: Partial<ConnectionState>[]
  upserts: Upsert[]
  statuses: StatusChange[]
  /** resolves with the first update matching `match` (past or future) */
  waitForUpdate(match: (u: Partial<ConnectionState>) => boolean, timeoutMs?: number, what?: string): Promise<Partial<ConnectionState>>
  waitForQr(timeoutMs?: number): Promise<string>
  waitForOpen(timeoutMs?: number): Promise<void>
  waitForClose(timeoutMs?: number): Promise<CloseInfo>
  /** first upserted message (not from us) matching `match` */
  waitForMessage(match: (m: Upsert) => boolean, timeoutMs?: number): Promise<Upsert>
  /** resolves once message `id` reached `status` (or more) through messages.update or an upsert */
  waitForStatus(id: string, status: number, timeoutMs?: number): Promise<StatusChange>
  isOpen(): boolean
  /** ends the socket without logging out and waits for the close */
  end(): Promise<void>
}

const closeInfo = (u: Partial<ConnectionState>): CloseInfo => {
  const error = u.lastDisconnect?.error as (Error & { output?: { statusCode?: number } }) | undefined
  return { statusCode: error?.output?.statusCode, message: error?.message }
}

export const createTestClient = (opts: { wsUrl: string; auth?: MemoryAuth; config?: Partial<UserFacingSocketConfig> }): TestClient => {
  const auth = opts.auth ?? makeMemoryAuth()
  const sock = makeWASocket({
    waWebSocketUrl: opts.wsUrl,
    auth,
    logger: pino({ level: process.env.BAILEYS_LOG_LEVEL ?? 'silent' }),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    ...opts.config,
  })
  const updates: Partial<ConnectionState>[] = []
  const upserts: Upsert[] = []
  const statuses: StatusChange[] = []
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of [...listeners]) l()
  }
  sock.ev.on('creds.update', (update) => {
    Object.assign(auth.creds, update)
  })
  sock.ev.on('connection.update', (u) => {
    updates.push(u)
    notify()
  })
  sock.ev.on('messages.upsert', ({ messages, type }) => {
    for (const message of messages) {
      upserts.push({ type, message })
      if (message.key.fromMe && message.key.id && message.status)
        statuses.push({ id: message.key.id, status: message.status, via: 'messages.upsert' })
    }
    notify()
  })
  sock.ev.on('messages.update', (list) => {
    for (const { key, update } of list) {
      if (key.id && typeof update.status === 'number') statuses.push({ id: key.id, status: update.status, via: 'messages.update' })
    }
    notify()
  })

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const found = check()
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const listener = () => {
        const value = check()
        if (value === undefined) return
        clearTimeout(timer)
        listeners.delete(listener)
        resolve(value)
      }
      const timer = setTimeout(() => {
        listeners.delete(listener)
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; updates: ${JSON.stringify(updates.map((u) => ({ connection: u.connection, qr: !!u.qr, ...closeInfo(u) })))}`,
          ),
        )
      }, timeoutMs)
      listeners.add(listener)
    })
  }

  const client: TestClient = {
    sock,
    auth,
    updates,
    upserts,
    statuses,
    waitForUpdate: (match, timeoutMs = 10_000, what = 'connection update') => waitUntil(() => updates.find(match), timeoutMs, what),
    waitForQr: async (timeoutMs = 10_000) => {
      const u = await client.waitForUpdate((x) => !!x.qr, timeoutMs, 'qr')
      return u.qr ?? ''
    },
    waitForOpen: async (timeoutMs = 10_000) => {
      await waitUntil(
        () => {
          const u = updates.find((x) => x.connection === 'open' || x.connection === 'close')
          if (u?.connection === 'close') throw new Error(`closed before open: ${JSON.stringify(closeInfo(u))}`)
          return u
        },
        timeoutMs,
        'open',
      )
    },
    waitForClose: async (timeoutMs = 10_000) => closeInfo(await client.waitForUpdate((x) => x.connection === 'close', timeoutMs, 'close')),
    waitForMessage: (match, timeoutMs = 10_000) =>
      waitUntil(() => upserts.find((u) => !u.message.key.fromMe && match(u)), timeoutMs, 'message'),
    waitForStatus: (id, status, timeoutMs = 10_000) =>
      waitUntil(() => statuses.find((s) => s.id === id && s.status >= status), timeoutMs, `status ${status} for ${id}`),
    isOpen: () => {
      const last = [...updates].reverse().find((u) => u.connection)
      return last?.connection === 'open'
    },
    end: async () => {
      if (updates.some((u) => u.connection === 'close')) return
      const closed = client.waitForClose(5_000).catch(() => undefined)
      await Promise.all([sock.end(undefined), closed])
    },
  }
  return client
}

/** Text of a received message, whichever field Baileys put it in. */
export const textOf = (m: WAMessage): string | undefined => m.message?.conversation ?? m.message?.extendedTextMessage?.text ?? undefined

/** Device id from creds.me (e.g. "15550001:2@s.whatsapp.net" → 2). */
export const deviceIdOf = (auth: MemoryAuth): number => {
  const id = auth.creds.me?.id ?? ''
  const device = /:(\d+)@/.exec(id)?.[1]
  if (!device) throw new Error(`creds.me has no device id: "${id}"`)
  return Number(device)
}
