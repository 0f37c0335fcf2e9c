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
import { appendEvent } from '@/lib/db/events'
import type { MessageView } from '@/lib/messages/views'
import { insertOperatorSession } from '@/lib/db/operator-sessions'
import { insertOperator, type Operator } from '@/lib/db/operators'
import { eventPayload } from '@/lib/db/webhooks'
import { EventBus } from '@/lib/events/bus'
import type { AccountSummary } from '@/lib/events/types'
import { createLogger } from '@/lib/logger'
import { removeOperator, resetOperatorPassword, setOperatorDisabled, setOperatorRole } from '@/lib/operators/operators'
import { attachRealtime } from '@/lib/realtime/gateway'
import type { MessageSignal, MonitorWatchResult, WatchResult } from '@/lib/realtime/events'
import { RecentEvents } from '@/lib/realtime/recent-events'

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
    recent: new RecentEvents(bus),
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
    await until(
      () => names(viewer).includes('dashboard.account') && names(admin).includes('dashboard.account'),
      2000,
      'status reached both',
    )
    expect(names(admin)).toEqual(['dashboard.qr', 'dashboard.pairing_code', 'dashboard.account'])
    expect(names(viewer)).toEqual(['dashboard.account'])
    expect(JSON.stringify(viewer.events)).not.toContain('ABCD1234')
  })
})

/** A message view (only the fields the gateway routes by matter here). */
const messageView = (accountId: string, text: string) => ({ id: `msg_${text}`, accountId, text }) as unknown as MessageView
/** A message as the bus announces it. */
const messageEvent = (accountId: string, text: string) => ({ accountId, message: messageView(accountId, text) })

/** The message-log signals a socket received: "created shop", "updated other-shop"… */
const changes = (s: Seen) =>
  s.events
    .filter((e) => e.name === 'dashboard.message')
    .map((e) => e.payload as MessageSignal)
    .map((p) => `${p.change} ${p.accountId}`)

describe('rooms scope what a page receives', () => {
  it('message events reach only the sockets watching that account, and stop when they unwatch', async () => {
    const [watcher, other, idle] = await Promise.all([
      connect(await signIn(operator('viewer'))),
      connect(await signIn(operator('admin'))),
      connect(await signIn(operator('admin'))),
    ])
    watcher.socket.emit('account:watch', { accountId: 'shop' })
    other.socket.emit('account:watch', { accountId: 'other-shop' })
    // A malformed id is ignored (no room, no error).
    idle.socket.emit('account:watch', { accountId: '../../etc' })
    // Give the joins a round trip before the events (the server handles a socket's packets in order).
    await Promise.all([watcher, other, idle].map((s) => s.socket.emitWithAck('ping')))
    bus.emit('message.created', messageEvent('shop', 'hello'))
    bus.emit('message.updated', messageEvent('other-shop', 'there'))
    await until(() => changes(watcher).length > 0 && changes(other).length > 0, 2000, 'room events')
    expect(changes(watcher)).toEqual(['created shop'])
    expect(changes(other)).toEqual(['updated other-shop'])
    expect(names(idle).filter((n) => n.startsWith('dashboard.message'))).toEqual([])

    watcher.socket.emit('account:unwatch', 'shop')
    await watcher.socket.emitWithAck('ping')
    bus.emit('message.created', messageEvent('shop', 'after'))
    bus.emit('message.created', messageEvent('other-shop', 'marker'))
    await until(() => changes(other).length === 2, 2000, 'marker')
    expect(changes(watcher)).toEqual(['created shop'])
  })

  it('webhook deliveries reach admins in the webhooks room whole, and an account room only for its own bound endpoints; viewers never', async () => {
    const [page, accountPage, otherAccount, viewerPage, viewerAccountPage, viewerMonitor] = await Promise.all([
      connect(await signIn(operator('admin'))),
      connect(await signIn(operator('admin'))),
      connect(await signIn(operator('admin'))),
      connect(await signIn(operator('viewer'))),
      connect(await signIn(operator('viewer'))),
      connect(await signIn(operator('viewer'))),
    ])
    page.socket.emit('webhooks:watch', {})
    accountPage.socket.emit('account:watch', { accountId: 'shop' })
    otherAccount.socket.emit('account:watch', { accountId: 'other-shop' })
    // what the API refuses a viewer's scopes (webhooks:manage), the feed does not send them
    viewerPage.socket.emit('webhooks:watch', {})
    viewerAccountPage.socket.emit('account:watch', { accountId: 'shop' })
    viewerMonitor.socket.emit('monitor:watch', {})
    const all = [page, accountPage, otherAccount, viewerPage, viewerAccountPage, viewerMonitor]
    await Promise.all(all.map((s) => s.socket.emitWithAck('ping')))
    const delivery = (id: number, webhookId: string) => ({
      id,
      webhookId,
      eventId: `01EV${id}`,
      eventType: 'message.received',
      status: 'delivered' as const,
      attempts: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
      lastAttemptAt: new Date().toISOString(),
      deliveredAt: new Date().toISOString(),
      createdAt: new Date().toISOString(),
    })
    const attempt = { at: new Date().toISOString(), statusCode: 200, durationMs: 3, error: null, response: 'ok' }
    bus.emit('webhook.delivery', { change: 'succeeded', accountId: 'shop', delivery: delivery(1, 'whk_shop'), attempt, webhook: null })
    bus.emit('webhook.delivery', { change: 'created', accountId: null, delivery: delivery(2, 'whk_all'), attempt: null, webhook: null })
    bus.emit('webhook.endpoint', { change: 'deleted', accountId: 'shop', webhookId: 'whk_shop', webhook: null })
    const ids = (s: Seen) =>
      s.events.filter((e) => e.name === 'dashboard.webhook_delivery').map((e) => (e.payload as { delivery: { id: number } }).delivery.id)
    await until(() => ids(page).length === 2 && names(accountPage).includes('dashboard.webhook_endpoint'), 2000, 'webhook events')
    expect(ids(page)).toEqual([1, 2])
    const first = page.events.find((e) => e.name === 'dashboard.webhook_delivery')?.payload as {
      attempt: { response: string }
      seq: unknown
    }
    expect(first.attempt.response).toBe('ok')
    expect(typeof first.seq).toBe('number')
    expect(ids(accountPage)).toEqual([1])
    expect(ids(otherAccount)).toEqual([])
    expect(names(otherAccount)).not.toContain('dashboard.webhook_endpoint')
    // the event monitor carries outbox events only: delivery progress is a dashboard signal, not an event
    for (const viewer of [viewerPage, viewerAccountPage, viewerMonitor])
      expect(names(viewer).filter((n) => n.includes('webhook'))).toEqual([])
    expect(JSON.stringify(viewerMonitor.events)).not.toMatch(/whk_|"response"|lastStatusCode|eventId/)
  })

  it('the monitor relays outbox events, the bodies webhooks receive, to the admins and viewers watching it; never a dashboard signal', async () => {
    const [admin, viewer, bystander] = await Promise.all([
      connect(await signIn(operator('admin'))),
      connect(await signIn(operator('viewer'))),
      connect(await signIn(operator('viewer'))),
    ])
    await Promise.all([admin, viewer].map((s) => s.socket.emitWithAck('monitor:watch', {})))
    bus.emit('account.qr', { accountId: 'shop', qr: '2@secret-ref', image: 'data:image/png;base64,AAAA', expiresAt: 1 })
    bus.emit('account.pairing_code', { accountId: 'shop', code: 'ABCD1234', phone: '15550001', expiresAt: 2 })
    const received = appendEvent(db, { type: 'message.received', accountId: 'shop', data: { message: messageView('shop', 'hi') } })
    const deleted = appendEvent(db, { type: 'account.deleted', accountId: 'gone', data: { accountId: 'gone' } })
    // written by the test operation only (one endpoint): not on the event stream, not on the monitor
    appendEvent(db, { type: 'webhook.test', accountId: null, data: { webhookId: 'whk_1', message: 'test' }, dispatched: true })
    const marker = appendEvent(db, { type: 'account.deleted', accountId: 'marker', data: { accountId: 'marker' } })
    const monitored = (s: Seen) => s.events.filter((e) => e.name === 'event').map((e) => e.payload)
    await until(() => monitored(admin).length === 3 && monitored(viewer).length === 3, 2000, 'monitor events')
    for (const s of [admin, viewer]) {
      // the stored JSON as a webhook endpoint would receive it, byte for byte once encoded
      expect(monitored(s)).toEqual([received, deleted, marker])
      expect(JSON.stringify(monitored(s)[0])).toBe(eventPayload({ db, eventId: received.id }))
    }
    expect(JSON.stringify(viewer.events)).not.toMatch(/secret-ref|data:image|ABCD1234|15550001/)
    expect(names(viewer).filter((n) => n.startsWith('dashboard.') && n !== 'dashboard.account')).toEqual([])
    expect(names(bystander)).not.toContain('event')
  })

  it('a monitor coming back is replayed the events after the last id it saw, then live ones; too old a position says incomplete', async () => {
    const seenId = appendEvent(db, { type: 'account.deleted', accountId: 'r0', data: { accountId: 'r0' } }).id
    const missed = ['r1', 'r2'].map((id) => appendEvent(db, { type: 'account.deleted', accountId: id, data: { accountId: id } }))
    const back = await connect(await signIn(operator('viewer')))
    const result = (await back.socket.emitWithAck('monitor:watch', { since: seenId })) as MonitorWatchResult
    expect(result.complete).toBe(true)
    const ids = () => back.events.filter((e) => e.name === 'event').map((e) => (e.payload as { id: string }).id)
    // the feed may not have read the last ones yet when the socket joined: then they come live, once
    await until(() => ids().length >= 2, 2000, 'replayed')
    expect(ids()).toEqual(missed.map((e) => e.id))
    const live = appendEvent(db, { type: 'account.deleted', accountId: 'r3', data: { accountId: 'r3' } })
    await until(() => ids().length === 3, 2000, 'live after replay')
    expect(ids()).toEqual([...missed, live].map((e) => e.id))

    const stale = (await back.socket.emitWithAck('monitor:watch', { since: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })) as MonitorWatchResult
    expect(stale).toEqual({ complete: false, position: live.id })
  })
})

describe('a page that comes back resumes from the last event it saw', () => {
  it('the account room replays the missed message events in order, then continues live; a stale position says incomplete', async () => {
    const first = await connect(await signIn(operator('admin')))
    const joined = (await first.socket.emitWithAck('account:watch', { accountId: 'resume', since: undefined })) as WatchResult
    bus.emit('message.created', messageEvent('resume', 'one'))
    await until(() => names(first).includes('dashboard.message'), 2000, 'first event')
    const lastSeen = (first.events.find((e) => e.name === 'dashboard.message')?.payload as { seq: number }).seq
    first.socket.close()

    // While the page is away: two messages of its account, one of another.
    bus.emit('message.created', messageEvent('resume', 'two'))
    bus.emit('message.created', messageEvent('elsewhere', 'x'))
    bus.emit('message.updated', messageEvent('resume', 'three'))

    const back = await connect(await signIn(operator('admin')))
    const result = (await back.socket.emitWithAck('account:watch', {
      accountId: 'resume',
      since: { epoch: joined.position.epoch, seq: lastSeen },
    })) as WatchResult
    expect(result.complete).toBe(true)
    const texts = () =>
      back.events.filter((e) => e.name === 'dashboard.message').map((e) => (e.payload as { message: { text: string } }).message.text)
    expect(texts()).toEqual(['two', 'three'])
    bus.emit('message.created', messageEvent('resume', 'four'))
    await until(() => texts().length === 3, 2000, 'live after replay')
    expect(texts()).toEqual(['two', 'three', 'four'])

    const stale = (await back.socket.emitWithAck('account:watch', {
      accountId: 'resume',
      since: { epoch: 'before-a-restart', seq: 3 },
    })) as WatchResult
    expect(stale.complete).toBe(false)
    expect(stale.position.epoch).toBe(joined.position.epoch)
  })
})
