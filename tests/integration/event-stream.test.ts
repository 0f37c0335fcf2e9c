import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { EventSource } from 'eventsource'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { quietLibsignalConsole } from '../../sim/contacts/quiet-libsignal'
import { until } from '../support/gateway-harness'
import { accountConnected, apiClient, eventually, type GatewayProcess, linkAccountByQr, startGateway } from '../support/gateway-process'
import { type SseBlock, SseReader } from '../support/sse'

/**
 * GET /api/v1/events/stream on the real server (production build) with real Baileys accounts linked
 * to the simulator: programs that cannot receive webhooks read the outbox as Server-Sent Events and
 * resume after drops and restarts without losing or repeating an event.
 */
const API_KEY = 'test-gateway-api-key-event-stream-0123456789'
const SHOP = '4915100000041'
const OTHER = '4915100000042'
const ANN = '15551234541'
const BOB = '15551234542'

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let env: Record<string, string>
let api: ReturnType<typeof apiClient>
const keys: Record<string, string> = {}

async function newKey(name: string, accountId: string | null, scopes: string[]): Promise<string> {
  const res = await api('POST', '/api/v1/api-keys', { name, accountId, scopes })
  expect(res.status).toBe(201)
  return String(res.json.key)
}

/** Opens the stream over plain HTTP; the caller reads it with an SseReader and aborts it to drop it. */
async function openStream(key: string, query = '', headers: Record<string, string> = {}) {
  const controller = new AbortController()
  const res = await fetch(`${gw.url}/api/v1/events/stream${query}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: controller.signal,
  })
  return { res, controller, reader: res.body ? new SseReader(res.body) : undefined }
}

const parse = (b: SseBlock | null) =>
  JSON.parse(b?.data ?? 'null') as { id: string; type: string; accountId: string; data: { message?: { text?: string } } }

beforeAll(async () => {
  quietLibsignalConsole()
  sim = await startSimulator({ port: 0 })
  for (const [phone, name] of [
    [SHOP, 'Shop'],
    [OTHER, 'Other'],
    [ANN, 'Ann'],
    [BOB, 'Bob'],
  ] as const)
    sim.createUser({ phone, name })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-stream-'))
  env = {
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: API_KEY,
    EVENT_STREAM_BUFFER_BYTES: String(64 * 1024),
    EVENT_STREAM_SLOW_CLIENT_MS: '2000',
    EVENT_STREAM_HEARTBEAT_MS: '1000',
    EVENT_STREAMS_PER_KEY: '3',
  }
  gw = await startGateway(env)
  api = apiClient(gw.url, { authorization: `Bearer ${API_KEY}` })
  await linkAccountByQr(api, sim, { id: 'shop', phone: SHOP })
  await linkAccountByQr(api, sim, { id: 'other', phone: OTHER })
  keys.shopReader = await newKey('shop reader', 'shop', ['accounts:read', 'messages:read'])
  keys.shopStatus = await newKey('shop status only', 'shop', ['accounts:read'])
  keys.otherReader = await newKey('other reader', 'other', ['accounts:read', 'messages:read'])
}, 120_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  await (sim as Simulator | undefined)?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('the event stream', () => {
  it('500 messages, three random drops and a restart: every event exactly once, in order', async () => {
    const start = String((await api('GET', '/api/v1/events?limit=1000')).json.next)
    const total = 500
    const drops = new Set<number>()
    while (drops.size < 3) drops.add(20 + Math.floor(Math.random() * 400))
    const restartAt = 250
    const received: { id: string; text: string }[] = []
    let last = start
    let sending: Promise<void> = Promise.resolve()
    const send = (from: number, to: number) =>
      (async () => {
        for (let i = from; i < to; i++) await sim.sendText(ANN, SHOP, `stream ${String(i).padStart(3, '0')}`)
      })()

    let stream = await openStream(keys.shopReader ?? '', `?types=message.received&after=${start}`)
    expect(stream.res.status).toBe(200)
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    sending = send(0, restartAt)
    let restarted = false
    while (received.length < total) {
      const block = await stream.reader?.nextEvent(30_000)
      if (!block) {
        // the server ended the stream (its restart): reconnect with the last id, as EventSource does
        stream = await eventually(
          async () => {
            const s = await openStream(keys.shopReader ?? '', '?types=message.received', { 'last-event-id': last }).catch(() => undefined)
            return s?.res.status === 200 ? s : undefined
          },
          60_000,
          'the stream after the restart',
        )
        continue
      }
      expect(block.event).toBe('message.received')
      const event = parse(block)
      expect(event.id).toBe(block.id)
      received.push({ id: event.id, text: event.data.message?.text ?? '' })
      last = event.id
      if (drops.has(received.length)) {
        // the client drops the connection and resumes from the last id it saw
        stream.controller.abort()
        stream = await openStream(keys.shopReader ?? '', '?types=message.received', { 'last-event-id': last })
        expect(stream.res.status).toBe(200)
      }
      if (received.length === restartAt - 50 && !restarted) {
        // the gateway restarts in the middle; contacts keep sending meanwhile (WhatsApp holds their
        // messages for the offline account)
        restarted = true
        await sending
        expect(await gw.stop()).toBe(0)
        sending = send(restartAt, total)
        gw = await startGateway(env)
        api = apiClient(gw.url, { authorization: `Bearer ${API_KEY}` })
      }
    }
    await sending
    expect(restarted).toBe(true)
    // each exactly once, in the outbox's order, and nothing else
    expect(new Set(received.map((r) => r.id)).size).toBe(total)
    expect(received.map((r) => r.id)).toEqual([...received.map((r) => r.id)].sort())
    expect(received.map((r) => r.text).sort()).toEqual(Array.from({ length: total }, (_, i) => `stream ${String(i).padStart(3, '0')}`))
    // the same events, in the same order, as the pages a polling client reads
    const paged: string[] = []
    let after = start
    for (;;) {
      const page = await api('GET', `/api/v1/events?types=message.received&accountId=shop&after=${after}&limit=200`)
      expect(page.status).toBe(200)
      paged.push(...(page.json.data as { id: string }[]).map((e) => e.id))
      after = String(page.json.next)
      if (!page.json.hasMore) break
    }
    expect(paged).toEqual(received.map((r) => r.id))
    stream.controller.abort()
  }, 300_000)

  it('shows a key only its own account and the types its scopes allow', async () => {
    await accountConnected(api, 'shop')
    await accountConnected(api, 'other')
    const otherStream = await openStream(keys.otherReader ?? '')
    const statusOnly = await openStream(keys.shopStatus ?? '')
    await otherStream.reader?.next()
    await statusOnly.reader?.next()
    await sim.sendText(BOB, SHOP, 'for the shop only')
    await sim.sendText(BOB, OTHER, 'for the other account')
    // a status change of the shop: the status-only key sees it, the other account's key does not
    expect((await api('POST', '/api/v1/accounts/shop/disconnect')).status).toBeLessThan(300)

    const theirs = parse(await otherStream.reader!.nextEvent(15_000))
    expect(theirs).toMatchObject({ type: 'message.received', accountId: 'other', data: { message: { text: 'for the other account' } } })
    const seenByStatusKey: string[] = []
    for (;;) {
      const e = parse(await statusOnly.reader!.nextEvent(15_000))
      seenByStatusKey.push(e.type)
      expect(e.accountId).toBe('shop')
      if (e.type === 'account.status' && (e.data as { status?: string }).status === 'disconnected') break
    }
    expect(seenByStatusKey.every((t) => t.startsWith('account.'))).toBe(true)
    // nothing of the shop reached the other account's stream
    const more = await otherStream.reader!.nextEvent(1_500).catch(() => null)
    expect(more === null || parse(more).accountId === 'other').toBe(true)
    otherStream.controller.abort()
    statusOnly.controller.abort()

    // asking for what the scopes do not allow is refused by name; another account is not there
    const denied = await fetch(`${gw.url}/api/v1/events/stream?types=message.*`, {
      headers: { authorization: `Bearer ${keys.shopStatus}` },
    })
    expect(denied.status).toBe(403)
    const refusal = ((await denied.json()) as { error: { code: string; message: string } }).error
    expect(refusal.code).toBe('insufficient_scope')
    expect(refusal.message).toContain('messages:read')
    const foreign = await apiClient(gw.url, { authorization: `Bearer ${keys.otherReader}` })('GET', '/api/v1/events?accountId=shop')
    expect(foreign.status).toBe(404)
    const typo = await api('GET', '/api/v1/events?types=message.recieved')
    expect(typo.status).toBe(422)
    const badCursor = await api('GET', '/api/v1/events?after=yesterday')
    expect(badCursor.status).toBe(422)
    // a query-string key is refused unless ALLOW_QUERY_API_KEY is on
    const inUrl = await fetch(`${gw.url}/api/v1/events/stream?apiKey=${keys.shopReader}`)
    expect(inUrl.status).toBe(401)
    expect(((await inUrl.json()) as { error: { message: string } }).error.message).toContain('ALLOW_QUERY_API_KEY')
    // at most 3 streams per key (EVENT_STREAMS_PER_KEY)
    const open = [await openStream(keys.shopReader ?? ''), await openStream(keys.shopReader ?? ''), await openStream(keys.shopReader ?? '')]
    const fourth = await openStream(keys.shopReader ?? '')
    expect(fourth.res.status).toBe(429)
    expect(fourth.res.headers.get('retry-after')).toBeTruthy()
    for (const s of open) s.controller.abort()
    await api('POST', '/api/v1/accounts/shop/connect')
    await accountConnected(api, 'shop')
  }, 120_000)

  it('works with the maintained EventSource client, as the README shows', async () => {
    await accountConnected(api, 'shop')
    const after = String((await api('GET', '/api/v1/events?limit=1000')).json.next)
    for (const text of ['es one', 'es two', 'es three']) await sim.sendText(BOB, SHOP, text)
    const url = new URL(`${gw.url}/api/v1/events/stream?types=message.*`)
    url.searchParams.set('after', after)
    const es = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${keys.shopReader}` } }),
    })
    const got: { lastEventId: string; id: string; text: string }[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${got.length} of 3 events`)), 15_000)
      es.addEventListener('message.received', (e) => {
        const event = JSON.parse(String(e.data)) as { id: string; data: { message: { text: string } } }
        got.push({ lastEventId: e.lastEventId, id: event.id, text: event.data.message.text })
        if (got.length === 3) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    es.close()
    expect(got.map((g) => g.text)).toEqual(['es one', 'es two', 'es three'])
    for (const g of got) expect(g.lastEventId).toBe(g.id)
  }, 60_000)

  it('disconnects a client that stops reading instead of buffering for it', async () => {
    // a raw connection that sends the request and then reads nothing
    const socket = net.connect(gw.port, '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    socket.write(`GET /api/v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${keys.shopReader}\r\n\r\n`)
    socket.pause()
    const before = String((await api('GET', '/api/v1/events?limit=1000&after=0')).json.next)
    // ~11 MB of events: far more than the 64 KiB the stream may hold for a client, and more than
    // the kernel's socket buffers on loopback (a few MB) take before the gateway has to wait
    const text = 'x'.repeat(8_000)
    const count = 700
    for (let i = 0; i < count; i++) await sim.sendText(ANN, SHOP, `${i} ${text}`)
    await eventually(
      async () => {
        const res = await api('GET', '/api/v1/accounts/shop/messages?direction=in&limit=1')
        return ((res.json.data as { text?: string }[])[0]?.text ?? '').startsWith(`${count - 1} `)
      },
      90_000,
      'the burst logged',
    )
    await until(() => gw.stdout.some((l) => l.includes('event stream client too slow; disconnected')), 15_000, 'the slow client dropped')
    // what the stream would have carried, read back page by page
    let produced = 0
    for (let after = before; ;) {
      const page = await api('GET', `/api/v1/events?after=${after}&limit=200`)
      produced += (page.json.data as unknown[]).reduce<number>((n, e) => n + JSON.stringify(e).length, 0)
      after = String(page.json.next)
      if (!page.json.hasMore) break
    }
    expect(produced).toBeGreaterThan(10 * 1024 * 1024)
    // now read what the server had sent before it let go: a bounded part, then the reason
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      received += d
    })
    socket.resume()
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    expect(received.length).toBeLessThan(produced / 2)
    expect(received).toContain('"code":"slow_consumer"')
  }, 120_000)
})
