import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { apiClient, type GatewayProcess, signInCookie, startGateway } from '../support/gateway-process'

/**
 * The message routes through the real server: HTTP → route wrapper → MessageService → real Baileys →
 * the simulator's contact, and back. What a program calling the API observes.
 */
const ADMIN_KEY = 'test-gateway-api-key-messages-0123456789'
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' }
const SHOP = '4915100000077'
const ANN = '15551234567'
const BEN = '15557654321'
const ANN_JID = `${ANN}@s.whatsapp.net`
const NOT_ON_WA = '15550000999'

type Api = ReturnType<typeof apiClient>
type Msg = {
  id: string
  waMessageId: string
  status: string
  queuePosition: number | null
  chat: { jid: string; phone: string | null }
  text: string | null
  type: string
  context: { messageId: string | null } | null
  reactions: { from: string; emoji: string }[]
  editedAt: number | null
  deletedAt: number | null
}

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let admin: Api
let shopKey: string
let shop: Api
let otherShop: Api
let pages: http.Server
let pagesPort = 0
let hidden: net.Server
let hiddenPort = 0
let hiddenConnections = 0

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const messageRows = () => {
  const db = new Database(path.join(dataDir, 'gateway.db'), { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n
  } finally {
    db.close()
  }
}

const send = (api: Api, body: unknown, headers?: Record<string, string>) => api('POST', '/api/v1/accounts/shop/messages', body, headers)

/**
 * Sends one more text from shop to Ann and waits until Ann has it. Shop's send queue sends one message
 * at a time in the order accepted, so whatever it held before (a duplicate the test must not see) has
 * reached the simulator by then: the wait ends on an event, not after a guessed pause.
 */
async function fence(): Promise<void> {
  const text = `fence ${Date.now()}-${Math.random()}`
  expect((await send(shop, { to: ANN, type: 'text', text: { body: text } })).status).toBe(202)
  await sim.waitForInbox(ANN, (e) => e.text === text)
}
const sentStatus = (m: Msg) =>
  waitFor(`${m.id} sent`, async () => {
    const res = await shop('GET', `/api/v1/accounts/shop/messages/${m.id}`)
    const got = res.json as unknown as Msg
    return ['sent', 'delivered', 'read'].includes(got.status) && got
  })

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: SHOP, name: 'Shop' })
  sim.createUser({ phone: ANN, name: 'Ann' })
  sim.createUser({ phone: BEN, name: 'Ben' })

  // A page for link previews on an allowed address, and a listener on a refused one.
  pages = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(
      '<html><head><title>Fallback</title><meta property="og:title" content="Spring sale"><meta name="description" content="All shoes 20% off"></head></html>',
    )
  })
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r))
  pagesPort = (pages.address() as AddressInfo).port
  hidden = net.createServer((s) => {
    hiddenConnections++
    s.destroy()
  })
  await new Promise<void>((r) => hidden.listen(0, '127.0.0.2', r))
  hiddenPort = (hidden.address() as AddressInfo).port

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-messages-api-'))
  gw = await startGateway({
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: ADMIN_KEY,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEND_MIN_GAP_MS: '0',
    SEND_PER_MINUTE: '0',
    SEND_RESTRICTED_PAUSE_AFTER: '2',
    ALLOW_QUERY_API_KEY: 'true',
    LINK_PREVIEW_ALLOWED_CIDRS: '127.0.0.1/32',
    API_RATE_LIMIT: '100000',
    API_ADDRESS_RATE_LIMIT: '100000',
  })
  admin = apiClient(gw.url, { authorization: `Bearer ${ADMIN_KEY}` })
  const created = await admin('POST', '/api/v1/accounts', {
    id: 'shop',
    name: 'Shop',
    apiKey: { scopes: ['messages:send', 'messages:read'] },
  })
  expect(created.status).toBe(201)
  shopKey = (created.json.apiKey as { key: string }).key
  shop = apiClient(gw.url, { authorization: `Bearer ${shopKey}` })
  const other = await admin('POST', '/api/v1/accounts', {
    id: 'other',
    name: 'Other',
    apiKey: { scopes: ['messages:send', 'messages:read'] },
  })
  otherShop = apiClient(gw.url, { authorization: `Bearer ${(other.json.apiKey as { key: string }).key}` })

  expect((await admin('POST', '/api/v1/accounts/shop/connect')).status).toBe(202)
  const qr = await waitFor('a QR', async () => {
    const res = await admin('GET', '/api/v1/accounts/shop/qr')
    return res.status === 200 && String(res.json.qr)
  })
  await sim.scan(SHOP, qr)
  await waitFor('shop connected', async () => (await admin('GET', '/api/v1/accounts/shop')).json.status === 'connected')
}, 90_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  await (sim as Simulator | undefined)?.close()
  await new Promise((r) => pages.close(r))
  await new Promise((r) => hidden.close(r))
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('sending through the API', () => {
  it('202 with the stored message, queued with its position; the contact receives it; the status moves on', async () => {
    const res = await send(shop, { to: '+1 555 123 4567', type: 'text', text: { body: `hi @${BEN}`, mentions: [`+${BEN}`] } })
    expect(res.status).toBe(202)
    const m = res.json as unknown as Msg
    expect(m).toMatchObject({ status: 'queued', type: 'text', text: `hi @${BEN}`, chat: { jid: ANN_JID, phone: ANN } })
    expect(m.queuePosition).toBeGreaterThanOrEqual(1)
    expect(m.id).toMatch(/^msg_/)
    const got = await sim.waitForInbox(ANN, (e) => e.id === m.waMessageId)
    expect(got).toMatchObject({ type: 'text', text: `hi @${BEN}`, mentions: [`${BEN}@s.whatsapp.net`] })
    const after = await sentStatus(m)
    expect(after.queuePosition).toBeNull()
  })

  it('replies, reactions, edits and deletes arrive as such at the contact', async () => {
    const first = (await send(shop, { to: ANN, type: 'text', text: { body: 'first' } })).json as unknown as Msg
    await sentStatus(first)
    const reply = await send(shop, {
      to: ANN_JID,
      type: 'location',
      location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel' },
      context: { messageId: first.id },
    })
    expect(reply.status).toBe(202)
    const replyIn = await sim.waitForInbox(ANN, (e) => e.id === (reply.json as unknown as Msg).waMessageId)
    expect(replyIn).toMatchObject({ type: 'location', quotedId: first.waMessageId })

    const react = await send(shop, { to: ANN, type: 'reaction', reaction: { messageId: first.id, emoji: '👍' } })
    expect(react.status).toBe(202)
    expect(await sim.waitForInbox(ANN, (e) => e.id === (react.json as unknown as Msg).waMessageId)).toMatchObject({
      reaction: { targetId: first.waMessageId, emoji: '👍' },
    })

    const edited = await shop('PATCH', `/api/v1/accounts/shop/messages/${first.id}`, { text: 'first, corrected' })
    expect(edited.status).toBe(200)
    expect(edited.json).toMatchObject({ text: 'first, corrected' })
    expect((edited.json as unknown as Msg).editedAt).not.toBeNull()
    await waitFor(
      'the edit at the contact',
      async () => sim.inbox(ANN).find((e) => e.id === first.waMessageId)?.editedText === 'first, corrected',
    )

    const deleted = await shop('DELETE', `/api/v1/accounts/shop/messages/${first.id}`)
    expect(deleted.status).toBe(200)
    expect((deleted.json as unknown as Msg).deletedAt).not.toBeNull()
    await waitFor('the delete at the contact', async () => sim.inbox(ANN).find((e) => e.id === first.waMessageId)?.deleted === true)

    // Editing what a contact sent is refused with a clear code.
    const incoming = await sim.sendText(ANN, SHOP, 'from ann')
    const inLog = await waitFor('the inbound message', async () => {
      const r = await shop('GET', `/api/v1/accounts/shop/messages/${incoming.id}`)
      return r.status === 200 && (r.json as unknown as Msg)
    })
    const refused = await shop('PATCH', `/api/v1/accounts/shop/messages/${inLog.id}`, { text: 'nope' })
    expect(refused.status).toBe(422)
    expect(refused.json.error?.code).toBe('message_not_editable')
  })

  it('Idempotency-Key: 20 identical requests at once send once and all answer the same message', async () => {
    const body = { to: ANN, type: 'text', text: { body: `once ${Date.now()}` } }
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(shop, body, { 'idempotency-key': 'order-4711' })))
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202))
    const ids = new Set(answers.map((a) => String(a.json.id)))
    expect(ids.size).toBe(1)
    const m = answers[0]?.json as unknown as Msg
    await sentStatus(m)
    await fence()
    expect(sim.inbox(ANN).filter((e) => e.text === body.text.body)).toHaveLength(1)

    const mismatch = await send(shop, { ...body, text: { body: 'something else' } }, { 'idempotency-key': 'order-4711' })
    expect(mismatch.status).toBe(422)
    expect(mismatch.json.error?.code).toBe('idempotency_mismatch')
  })

  it('refuses bad input with a clear error and stores nothing', async () => {
    const before = messageRows()
    const cases: [unknown, number, string][] = [
      [{ to: 'not a phone', type: 'text', text: { body: 'x' } }, 422, 'validation_failed'],
      [{ to: ANN, type: 'text', text: { body: '' } }, 422, 'validation_failed'],
      [{ to: ANN, type: 'telepathy', telepathy: {} }, 422, 'validation_failed'],
      [{ to: ANN, type: 'location', location: { latitude: 91, longitude: 0 } }, 422, 'validation_failed'],
      [{ to: ANN, type: 'text', text: { body: 'x' }, context: { messageId: 'msg_nope' } }, 404, 'not_found'],
      [{ to: ANN, type: 'reaction', reaction: { messageId: 'msg_nope', emoji: '👍' } }, 404, 'not_found'],
    ]
    for (const [body, status, code] of cases) {
      const res = await send(shop, body)
      expect({ body, status: res.status, code: res.json.error?.code }).toEqual({ body, status, code })
      expect(String(res.json.error?.message)).not.toBe('')
    }
    expect(messageRows()).toBe(before)
  })

  it("another account's key reaches none of shop's message routes, and nothing happens", async () => {
    const inboxBefore = sim.inbox(ANN).length
    const before = messageRows()
    const some = ((await shop('GET', '/api/v1/accounts/shop/messages?limit=1')).json.data as Msg[])[0]
    expect(some).toBeDefined()
    const tries: [string, string, unknown?][] = [
      ['POST', '/api/v1/accounts/shop/messages', { to: ANN, type: 'text', text: { body: 'intruder' } }],
      ['GET', '/api/v1/accounts/shop/messages'],
      ['GET', `/api/v1/accounts/shop/messages/${some?.id ?? ''}`],
      ['PATCH', `/api/v1/accounts/shop/messages/${some?.id ?? ''}`, { text: 'intruder' }],
      ['DELETE', `/api/v1/accounts/shop/messages/${some?.id ?? ''}`],
      ['POST', `/api/v1/accounts/shop/messages/${some?.id ?? ''}/cancel`],
      ['GET', '/api/v1/accounts/shop/chats'],
      ['POST', '/api/v1/accounts/shop/contacts/check', { phones: [ANN] }],
      ['GET', '/api/v1/accounts/shop/queue'],
      ['GET', `/api/v1/accounts/shop/messages/send?to=${ANN}&text=intruder`],
    ]
    for (const [method, url, body] of tries) {
      const res = await otherShop(method, url, body)
      expect({ url, method, status: res.status, code: res.json.error?.code }).toEqual({ url, method, status: 404, code: 'not_found' })
    }
    // an accepted send is stored before it is answered, so a row would be here already
    expect(messageRows()).toBe(before)
    await fence()
    expect(sim.inbox(ANN).filter((e) => e.text === 'intruder')).toEqual([])
    expect(sim.inbox(ANN).length).toBe(inboxBefore + 1) // the fence alone
    expect(((await shop('GET', `/api/v1/accounts/shop/messages/${some?.id ?? ''}`)).json as unknown as Msg).text).toBe(some?.text)
  })

  it('an account that is not connected answers 503 not_connected and stores nothing', async () => {
    const before = messageRows()
    const res = await admin('POST', '/api/v1/accounts/other/messages', { to: ANN, type: 'text', text: { body: 'x' } })
    expect(res.status).toBe(503)
    expect(res.json.error?.code).toBe('not_connected')
    expect(messageRows()).toBe(before)
  })
})

describe('link previews', () => {
  it('are fetched through the address guard when asked for: an allowed page gives its title', async () => {
    const url = `http://127.0.0.1:${pagesPort}/sale`
    const plain = (await send(shop, { to: ANN, type: 'text', text: { body: `no preview ${url}` } })).json as unknown as Msg
    expect((await sim.waitForInbox(ANN, (e) => e.id === plain.waMessageId)).linkPreview).toBeUndefined()

    const m = (await send(shop, { to: ANN, type: 'text', text: { body: `see ${url}`, previewUrl: true } })).json as unknown as Msg
    expect((await sim.waitForInbox(ANN, (e) => e.id === m.waMessageId)).linkPreview).toEqual({ url, title: 'Spring sale' })
  })

  it('never reach an address outside the allowed ranges: the message goes out with the bare URL', async () => {
    const url = `http://127.0.0.2:${hiddenPort}/admin`
    const m = (await send(shop, { to: ANN, type: 'text', text: { body: `see ${url}`, previewUrl: true } })).json as unknown as Msg
    const got = await sim.waitForInbox(ANN, (e) => e.id === m.waMessageId)
    expect(got.text).toBe(`see ${url}`)
    expect(got.linkPreview?.title).toBe(url)
    expect(hiddenConnections).toBe(0)
  })
})

describe('reading through the API', () => {
  it('lists messages newest first with filters and cursor pages; chats with their last message', async () => {
    const marker = `page-${Date.now()}`
    for (let i = 0; i < 5; i++) await send(shop, { to: BEN, type: 'text', text: { body: `${marker} ${i}` } })
    const all: Msg[] = []
    let cursor: string | null = null
    do {
      const q = `/api/v1/accounts/shop/messages?chat=%2B${BEN}&direction=out&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const res = await shop('GET', q)
      expect(res.status).toBe(200)
      const data = res.json.data as Msg[]
      expect(data.length).toBeLessThanOrEqual(2)
      all.push(...data)
      cursor = res.json.nextCursor as string | null
    } while (cursor)
    expect(all.map((m) => m.text)).toEqual([4, 3, 2, 1, 0].map((i) => `${marker} ${i}`))
    expect(all.every((m) => m.chat.phone === BEN)).toBe(true)

    const inbound = await shop('GET', '/api/v1/accounts/shop/messages?direction=in&type=text')
    expect((inbound.json.data as Msg[]).every((m) => m.type === 'text')).toBe(true)
    expect((inbound.json.data as Msg[]).map((m) => m.text)).toContain('from ann')

    const bad = await shop('GET', '/api/v1/accounts/shop/messages?cursor=garbage')
    expect(bad.status).toBe(422)
    expect(bad.json.error?.code).toBe('validation_failed')

    const chats = await shop('GET', '/api/v1/accounts/shop/chats?limit=10')
    expect(chats.status).toBe(200)
    const list = chats.json.data as { jid: string; phone: string; lastMessage: Msg | null }[]
    expect(list.map((c) => c.phone)).toEqual(expect.arrayContaining([ANN, BEN]))
    expect(list[0]?.phone).toBe(BEN)
    expect(list[0]?.lastMessage?.text).toBe(`${marker} 4`)
  })

  it('checks numbers: registered ones with their JID, unregistered and impossible ones as not on WhatsApp', async () => {
    const res = await shop('POST', '/api/v1/accounts/shop/contacts/check', { phones: [`+${ANN}`, `+${NOT_ON_WA}`, '12'] })
    expect(res.status).toBe(200)
    expect(res.json.data).toEqual([
      expect.objectContaining({ input: `+${ANN}`, phone: ANN, exists: true, jid: ANN_JID }),
      expect.objectContaining({ input: `+${NOT_ON_WA}`, phone: NOT_ON_WA, exists: false, jid: null }),
      expect.objectContaining({ input: '12', phone: null, exists: false }),
    ])
    const tooMany = await shop('POST', '/api/v1/accounts/shop/contacts/check', {
      phones: Array.from({ length: 51 }, (_, i) => `+1555000${1000 + i}`),
    })
    expect(tooMany.status).toBe(422)
  })
})

describe('the queue', () => {
  it('repeated refusals by WhatsApp pause the queue, and the account status says so until resumed', async () => {
    sim.setAckErrors(SHOP, { code: 463, count: 2 })
    const a = (await send(shop, { to: ANN, type: 'text', text: { body: 'restricted 1' } })).json as unknown as Msg
    const failed = await waitFor('a failed', async () => {
      const r = (await shop('GET', `/api/v1/accounts/shop/messages/${a.id}`)).json as unknown as Msg & { errorCode: number }
      return r.status === 'failed' && r
    })
    expect(failed.errorCode).toBe(463)
    await send(shop, { to: ANN, type: 'text', text: { body: 'restricted 2' } })
    const account = await waitFor('the pause in the account status', async () => {
      const r = await admin('GET', '/api/v1/accounts/shop')
      return (r.json.sendQueue as { paused: boolean } | undefined)?.paused === true && r.json
    })
    const queue = account.sendQueue as { paused: boolean; reason: string | null }
    expect(queue.paused).toBe(true)
    expect(queue.reason).toMatch(/restrict|463/i)

    const held = (await send(shop, { to: ANN, type: 'text', text: { body: 'held while paused' } })).json as unknown as Msg
    // Nothing can fence a paused queue, so a bounded window: with pacing off (SEND_MIN_GAP_MS=0,
    // SEND_PER_MINUTE=0) an unpaused queue claims a message as it is accepted and the loopback
    // simulator acknowledges it within tens of milliseconds (sentStatus after the resume below);
    // 500 ms would have shown it sent.
    await sleep(500)
    expect(((await shop('GET', `/api/v1/accounts/shop/messages/${held.id}`)).json as unknown as Msg).status).toBe('queued')
    expect((await shop('GET', '/api/v1/accounts/shop/queue')).json).toMatchObject({ paused: true, queued: 1 })

    expect((await shop('POST', '/api/v1/accounts/shop/queue/resume')).status).toBe(403)
    const resumed = await admin('POST', '/api/v1/accounts/shop/queue/resume')
    expect(resumed.status).toBe(200)
    expect(resumed.json).toMatchObject({ paused: false })
    await sentStatus(held)
    expect((await admin('GET', '/api/v1/accounts/shop')).json.sendQueue).toMatchObject({ paused: false, queued: 0 })
  })

  it('per-account pacing is set and cleared through PATCH …/queue', async () => {
    const set = await admin('PATCH', '/api/v1/accounts/shop/queue', { minGapMs: 250, perMinute: 100 })
    expect(set.status).toBe(200)
    expect(set.json.pacing).toEqual({ minGapMs: 250, perMinute: 100 })
    const empty = await admin('PATCH', '/api/v1/accounts/shop/queue', {})
    expect(empty.status).toBe(422)
    const cleared = await admin('PATCH', '/api/v1/accounts/shop/queue', { minGapMs: null, perMinute: null })
    expect(cleared.json.pacing).toEqual({ minGapMs: 0, perMinute: 0 })
  })
})

describe('sending by GET (compatibility)', () => {
  it('takes the key from ?apiKey= when ALLOW_QUERY_API_KEY is on, and sends', async () => {
    const anon = apiClient(gw.url)
    const text = `by get ${Date.now()}`
    const res = await anon('GET', `/api/v1/accounts/shop/messages/send?to=%2B${ANN}&text=${encodeURIComponent(text)}&apiKey=${shopKey}`)
    expect(res.status).toBe(202)
    expect(res.json).toMatchObject({ status: 'queued', text })
    expect(await sim.waitForInbox(ANN, (e) => e.text === text)).toBeDefined()
    expect(gw.logs.join('')).not.toContain(shopKey)
  })

  it('refuses a session cookie (another site could make a browser send), a wrong key, and HEAD', async () => {
    const cookie = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
    const withCookie = apiClient(gw.url, { cookie })
    const before = messageRows()
    const res = await withCookie('GET', `/api/v1/accounts/shop/messages/send?to=%2B${ANN}&text=csrf`)
    expect(res.status).toBe(401)
    const wrong = await apiClient(gw.url)('GET', `/api/v1/accounts/shop/messages/send?to=%2B${ANN}&text=x&apiKey=wag_wrong`)
    expect(wrong.status).toBe(401)
    const head = await fetch(`${gw.url}/api/v1/accounts/shop/messages/send?to=%2B${ANN}&text=head&apiKey=${shopKey}`, { method: 'HEAD' })
    expect(head.status).toBe(405)
    // every request has been answered, and an accepted send is stored before it is answered
    expect(messageRows()).toBe(before)
  })
})
