import crypto from 'node:crypto'
import fs from 'node:fs'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { encode } from 'next-auth/jwt'
import { io as connectSocket, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_MAX_AGE_MS } from '@/lib/auth/config'
import { closeDb, type DB, openDb } from '@/lib/db/client'
import { insertOperatorSession } from '@/lib/db/operator-sessions'
import { insertOperator, type Operator } from '@/lib/db/operators'
import { EventBus } from '@/lib/events/bus'
import type { AccountSummary } from '@/lib/events/types'
import { createLogger } from '@/lib/logger'
import { removeOperator, resetOperatorPassword, setOperatorDisabled, setOperatorRole } from '@/lib/operators/operators'
import { attachRealtime } from '@/lib/realtime/gateway'

/**
 * The realtime gateway on a real HTTP server with real Socket.IO clients, a real SQLite database and
 * the real operator rules; tokens are minted the way Auth.js does at sign-in.
 */
const SECRET = crypto.randomBytes(32).toString('base64url')
const COOKIE = 'authjs.session-token'
let dir: string
let db: DB
let bus: EventBus
let server: HttpServer
let url: string
let close: () => Promise<void>
const open: Socket[] = []
let n = 0

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-rt-'))
  db = openDb(path.join(dir, 'gateway.db'))
  bus = new EventBus()
  server = createServer((_req, res) => res.writeHead(404).end())
  const realtime = attachRealtime({
    httpServer: server,
    bus,
    db,
    logger: createLogger({ level: 'silent' }),
    authSecret: SECRET,
    trustProxy: false,
  })
  close = () => realtime.close()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const s of open) s.close()
  await close()
  await new Promise((r) => server.close(r))
  closeDb(db)
  fs.rmSync(dir, { recursive: true, force: true })
})

function operator(role: 'admin' | 'viewer'): Operator {
  return insertOperator({ db, email: `op${++n}@x.test`, name: '', passwordHash: 'h', role })
}

/** What Auth.js puts in the cookie at sign-in (lib/auth/index.ts): a server-side session and its claims. */
async function signIn(op: Operator, at = Date.now()): Promise<string> {
  const session = insertOperatorSession({ db, operatorId: op.id, createdAt: at, expiresAt: at + SESSION_MAX_AGE_MS, ip: '127.0.0.1' })
  const token = await encode({
    token: { uid: String(op.id), role: op.role, sv: op.sessionVersion, sid: session.id, at, email: op.email },
    secret: SECRET,
    salt: COOKIE,
  })
  return `${COOKIE}=${token}`
}

type Seen = { socket: Socket; events: { name: string; payload: unknown; at: number }[] }

async function connect(cookie: string): Promise<Seen> {
  const socket = connectSocket(url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { origin: url, cookie },
    reconnection: false,
  })
  open.push(socket)
  const seen: Seen = { socket, events: [] }
  socket.onAny((name: string, payload: unknown) => seen.events.push({ name, payload, at: Date.now() }))
  socket.on('disconnect', (reason) => seen.events.push({ name: 'disconnect', payload: reason, at: Date.now() }))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return seen
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const names = (s: Seen) => s.events.map((e) => e.name)

describe('Socket.IO handshake', () => {
  it('Engine.IO refuses a handshake without a valid session, or from another origin, before any session exists', async () => {
    const handshake = (headers: Record<string, string>) => fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers })
    const anonymous = await handshake({ origin: url })
    expect(anonymous.status).toBe(403)
    expect(await anonymous.json()).toEqual({ code: 4, message: 'unauthorized' })
    const forged = await handshake({ origin: url, cookie: `${COOKIE}=forged` })
    expect(forged.status).toBe(403)
    const cookie = await signIn(operator('viewer'))
    const crossSite = await handshake({ origin: 'http://evil.example', cookie })
    expect(crossSite.status).toBe(403)
    expect(await crossSite.json()).toEqual({ code: 4, message: 'forbidden' })
    const ok = await handshake({ origin: url, cookie })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toMatch(/^0\{"sid":/)
    await expect(connect(`${COOKIE}=forged`)).rejects.toThrow()
  })
})

describe('open sockets follow the session', () => {
  const changes: [string, (admin: Operator, target: Operator) => unknown][] = [
    ['disabling', (a, t) => setOperatorDisabled({ db, bus }, a, { id: t.id, disabled: true })],
    ['downgrading', (a, t) => setOperatorRole({ db, bus }, a, { id: t.id, role: 'viewer' })],
    ['resetting the password of', (a, t) => resetOperatorPassword({ db, bus }, a, { id: t.id, password: 'another-password' })],
    ['removing', (a, t) => removeOperator({ db, bus }, a, { id: t.id })],
  ]
  it.each(changes)('%s an operator ends its open sockets within a second, telling them first', async (_what, change) => {
    const admin = operator('admin')
    const target = operator('admin')
    const [tab1, tab2, bystander] = await Promise.all([
      connect(await signIn(target)),
      connect(await signIn(target)),
      connect(await signIn(admin)),
    ])
    const start = Date.now()
    await change(admin, target)
    for (const tab of [tab1, tab2]) {
      await until(() => names(tab).includes('disconnect'), 1000, 'the socket is disconnected')
      expect(tab.events.find((e) => e.name === 'session:ended')?.payload).toEqual({ reason: 'revoked' })
      expect(names(tab).indexOf('session:ended')).toBeLessThan(names(tab).indexOf('disconnect'))
      expect(tab.events.find((e) => e.name === 'disconnect')!.at - start).toBeLessThan(1000)
    }
    expect(bystander.socket.connected).toBe(true)
    // And it cannot come back with the same cookie.
    await expect(connect(tab1.socket.io.opts.extraHeaders!.cookie!)).rejects.toThrow()
  })

  it('a session ends its sockets at its 12-hour expiry', async () => {
    const op = operator('viewer')
    const at = Date.now() - SESSION_MAX_AGE_MS + 800
    const tab = await connect(await signIn(op, at))
    await until(() => names(tab).includes('disconnect'), 3000, 'the socket is disconnected at expiry')
    expect(tab.events.find((e) => e.name === 'session:ended')?.payload).toEqual({ reason: 'expired' })
    expect(tab.events.find((e) => e.name === 'disconnect')!.at - (at + SESSION_MAX_AGE_MS)).toBeLessThan(1000)
  })
})

describe('linking material', () => {
  it('QR codes and pairing codes reach admins only; viewers see the status', async () => {
    const admin = await connect(await signIn(operator('admin')))
    const viewer = await connect(await signIn(operator('viewer')))
    const account = { id: 'shop', name: 'Shop', status: 'qr_ready', statusAt: Date.now() } as AccountSummary
    bus.emit('account.qr', {
      accountId: 'shop',
      qr: 'ref,noise,identity,adv',
      image: 'data:image/png;base64,AAAA',
      expiresAt: Date.now() + 20_000,
    })
    bus.emit('account.pairing_code', { accountId: 'shop', code: 'ABCD1234', phone: '15550001', expiresAt: Date.now() + 60_000 })
    bus.emit('account.status', { accountId: 'shop', status: 'qr_ready', reason: null, at: Date.now(), account })
    await until(() => names(viewer).includes('account:upsert') && names(admin).includes('account:upsert'), 2000, 'status reached both')
    expect(names(admin)).toEqual(['account:qr', 'account:pairing_code', 'account:upsert'])
    expect(names(viewer)).toEqual(['account:upsert'])
    expect(JSON.stringify(viewer.events)).not.toContain('ABCD1234')
  })
})
