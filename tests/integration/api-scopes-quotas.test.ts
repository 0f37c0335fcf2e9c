import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { apiClient, type GatewayProcess, startGateway } from '../support/gateway-process'

/**
 * The scope and quota guards through the real server and a linked account on the simulator: what a
 * program calling the API observes (status, error code, message, Retry-After, what is stored).
 */
const ADMIN_KEY = 'test-gateway-api-key-scopes-0123456789ab'
const SHOP = '4915100000088'
const ANN = '15551234568'
const CONTACT_RATE = 5
const QUEUE_LIMIT = 3
const ENDPOINT_LIMIT = 3

type Api = ReturnType<typeof apiClient>
let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let admin: Api

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

function count(sql: string, ...args: unknown[]): number {
  const db = new Database(path.join(dataDir, 'gateway.db'), { readonly: true })
  try {
    return (db.prepare(sql).get(...args) as { n: number }).n
  } finally {
    db.close()
  }
}
const endpointRows = () => count('SELECT count(*) AS n FROM webhook_endpoints')
const deliveryRows = () => count('SELECT count(*) AS n FROM webhook_deliveries')

async function keyFor(accountId: string | null, scopes: string[]): Promise<Api> {
  const res = await admin('POST', '/api/v1/api-keys', { name: `k-${scopes.join('+')}`, accountId, scopes })
  expect(res.status).toBe(201)
  return apiClient(gw.url, { authorization: `Bearer ${(res.json as { key: string }).key}` })
}

const refusedFor = (res: Awaited<ReturnType<Api>>, scope: string) => {
  expect({ status: res.status, code: res.json.error?.code }).toEqual({ status: 403, code: 'insufficient_scope' })
  expect(res.json.error?.message).toContain(`"${scope}"`)
  expect(res.json.error?.details).toMatchObject({ required: scope })
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: SHOP, name: 'Shop' })
  sim.createUser({ phone: ANN, name: 'Ann' })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-scopes-'))
  gw = await startGateway({
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: ADMIN_KEY,
    CONTACT_CHECK_RATE_PER_MINUTE: String(CONTACT_RATE),
    SEND_QUEUE_ACCOUNT_LIMIT: String(QUEUE_LIMIT),
    WEBHOOK_ENDPOINTS_PER_ACCOUNT: String(ENDPOINT_LIMIT),
    // The first message goes out, every later one waits ten minutes: the queue fills.
    SEND_MIN_GAP_MS: '600000',
    SEND_PER_MINUTE: '0',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_ALLOW_HTTP: '1',
    API_RATE_LIMIT: '100000',
    API_ADDRESS_RATE_LIMIT: '100000',
  })
  admin = apiClient(gw.url, { authorization: `Bearer ${ADMIN_KEY}` })
  for (const id of ['shop', 'other']) expect((await admin('POST', '/api/v1/accounts', { id, name: id })).status).toBe(201)
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
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('webhook endpoints that carry message content need messages:read', () => {
  it('webhooks:manage alone: no endpoint for message events or every event; account events are fine', async () => {
    const hooks = await keyFor('shop', ['webhooks:manage'])
    const before = endpointRows()
    refusedFor(await hooks('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/all' }), 'messages:read')
    refusedFor(await hooks('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/m', events: ['message.status'] }), 'messages:read')
    expect(endpointRows()).toBe(before)

    const made = await hooks('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/acc', events: ['account.status'] })
    expect(made.status).toBe(201)
    const id = String(made.json.id)
    // …but it cannot widen that endpoint's filter to message events, nor to every event
    refusedFor(await hooks('PATCH', `/api/v1/webhooks/${id}`, { events: ['account.status', 'message.received'] }), 'messages:read')
    refusedFor(await hooks('PATCH', `/api/v1/webhooks/${id}`, { events: null }), 'messages:read')
    expect((await admin('GET', `/api/v1/webhooks/${id}`)).json.events).toEqual(['account.status'])
    expect((await hooks('PATCH', `/api/v1/webhooks/${id}`, { description: 'status only' })).status).toBe(200)
    expect((await hooks('POST', `/api/v1/webhooks/${id}/test`)).status).toBe(202)
    expect((await hooks('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204)

    const both = await keyFor('shop', ['webhooks:manage', 'messages:read'])
    const all = await both('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/all' })
    expect(all.status).toBe(201)
    expect((await both('DELETE', `/api/v1/webhooks/${String(all.json.id)}`)).status).toBe(204)
  })

  it('webhooks:manage alone cannot change, test or replay an endpoint that receives messages; it may delete it', async () => {
    const made = await admin('POST', '/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/msgs',
      accountId: 'shop',
      events: ['message.received'],
    })
    const id = String(made.json.id)
    const test = await admin('POST', `/api/v1/webhooks/${id}/test`)
    expect(test.status).toBe(202)
    const deliveryId = String(test.json.id)
    const hooks = await keyFor('shop', ['webhooks:manage'])
    const before = [endpointRows(), deliveryRows()]
    refusedFor(await hooks('PATCH', `/api/v1/webhooks/${id}`, { url: 'http://127.0.0.1:9/mine' }), 'messages:read')
    refusedFor(await hooks('POST', `/api/v1/webhooks/${id}/test`), 'messages:read')
    refusedFor(await hooks('POST', `/api/v1/webhooks/${id}/deliveries/${deliveryId}/replay`), 'messages:read')
    refusedFor(
      await hooks('POST', `/api/v1/webhooks/${id}/replay`, { since: '2026-01-01T00:00:00Z', until: new Date().toISOString() }),
      'messages:read',
    )
    expect([endpointRows(), deliveryRows()]).toEqual(before)
    expect((await admin('GET', `/api/v1/webhooks/${id}`)).json.url).toBe('http://127.0.0.1:9/msgs')
    expect((await hooks('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204)
  })

  it('an endpoint of every account needs admin, whatever else the key holds', async () => {
    const wide = await keyFor(null, ['webhooks:manage', 'messages:read', 'accounts:manage'])
    const before = endpointRows()
    refusedFor(
      await wide('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/every', accountId: null, events: ['account.status'] }),
      'admin',
    )
    refusedFor(await wide('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/every' }), 'admin')
    expect(endpointRows()).toBe(before)
    const every = await admin('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/every', accountId: null, events: ['account.status'] })
    expect(every.status).toBe(201)
    const id = String(every.json.id)
    refusedFor(await wide('PATCH', `/api/v1/webhooks/${id}`, { description: 'mine now' }), 'admin')
    refusedFor(await wide('POST', `/api/v1/webhooks/${id}/test`), 'admin')
    refusedFor(await wide('POST', `/api/v1/webhooks/${id}/rotate-secret`, {}), 'admin')
    refusedFor(await wide('DELETE', `/api/v1/webhooks/${id}`), 'admin')
    // an account's endpoint is fine for the same key
    expect((await wide('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/one', accountId: 'other' })).status).toBe(201)
  })
})

describe('contacts/check', () => {
  it('needs messages:send, not messages:read', async () => {
    const reader = await keyFor('shop', ['messages:read'])
    refusedFor(await reader('POST', '/api/v1/accounts/shop/contacts/check', { phones: [`+${ANN}`] }), 'messages:send')
  })

  it(`at most ${CONTACT_RATE} numbers per account per minute: a request that does not fit is refused whole, with Retry-After`, async () => {
    const sender = await keyFor('shop', ['messages:send'])
    const check = (phones: string[]) => sender('POST', '/api/v1/accounts/shop/contacts/check', { phones })
    const first = await check([`+${ANN}`, '+15550000101', '+15550000102'])
    expect(first.status).toBe(200)
    expect(first.json.data).toEqual(expect.arrayContaining([expect.objectContaining({ phone: ANN, exists: true })]))

    const over = await check(['+15550000103', '+15550000104', '+15550000105'])
    expect(over.status).toBe(429)
    expect(over.json.error?.code).toBe('rate_limited')
    expect(over.json.error?.message).toContain(`at most ${CONTACT_RATE} numbers`)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    // the refused request counted nothing: the two numbers left still fit
    expect((await check(['+15550000103', '+15550000104'])).status).toBe(200)
    expect((await check(['+15550000105'])).status).toBe(429)
    // a batch larger than the whole budget can never fit
    const huge = await check(Array.from({ length: CONTACT_RATE + 1 }, (_, i) => `+1555000020${i}`))
    expect(huge.status).toBe(422)
    // another account's budget is its own (not connected: nothing is asked, nothing counted)
    expect((await admin('POST', '/api/v1/accounts/other/contacts/check', { phones: ['+15550000301'] })).json.error?.code).toBe(
      'not_connected',
    )
  })
})

describe('per-account quotas', () => {
  it(`the send queue holds at most ${QUEUE_LIMIT} waiting messages; past that 429 quota_exceeded and nothing is stored`, async () => {
    const sender = await keyFor('shop', ['messages:send', 'messages:read'])
    const send = (text: string) => sender('POST', '/api/v1/accounts/shop/messages', { to: ANN, type: 'text', text: { body: text } })
    // the first goes out at once; the next ones wait for the ten-minute gap
    const first = await send('first')
    expect(first.status).toBe(202)
    await waitFor('the first message sent', async () => {
      const res = await sender('GET', `/api/v1/accounts/shop/messages/${String(first.json.id)}`)
      return res.json.status !== 'queued' && res.json.status !== 'pending'
    })
    const waiting: string[] = []
    for (let i = 0; i < QUEUE_LIMIT; i++) {
      const res = await send(`waiting ${i}`)
      expect(res.status).toBe(202)
      waiting.push(String(res.json.id))
    }
    const messagesBefore = count('SELECT count(*) AS n FROM messages')
    const full = await send('one too many')
    expect(full.status).toBe(429)
    expect(full.json.error?.code).toBe('quota_exceeded')
    expect(full.json.error?.message).toContain(`SEND_QUEUE_ACCOUNT_LIMIT=${QUEUE_LIMIT}`)
    expect(count('SELECT count(*) AS n FROM messages')).toBe(messagesBefore)
    expect((await sender('GET', '/api/v1/accounts/shop/queue')).json.queued).toBe(QUEUE_LIMIT)
    // one fewer waiting: room for one more
    expect((await sender('POST', `/api/v1/accounts/shop/messages/${waiting[0]}/cancel`)).status).toBe(200)
    expect((await send('fits again')).status).toBe(202)
  })

  it(`an account has at most ${ENDPOINT_LIMIT} webhook endpoints; others' are not counted`, async () => {
    const hooks = await keyFor('other', ['webhooks:manage', 'messages:read'])
    const existing = ((await hooks('GET', '/api/v1/webhooks')).json.data as { id: string }[]).length
    const ids: string[] = []
    for (let i = existing; i < ENDPOINT_LIMIT; i++) {
      const res = await hooks('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:9/q${i}` })
      expect(res.status).toBe(201)
      ids.push(String(res.json.id))
    }
    const before = endpointRows()
    const over = await hooks('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/over' })
    expect(over.status).toBe(429)
    expect(over.json.error?.code).toBe('quota_exceeded')
    expect(over.json.error?.message).toContain(`WEBHOOK_ENDPOINTS_PER_ACCOUNT=${ENDPOINT_LIMIT}`)
    expect(endpointRows()).toBe(before)
    // the admin is held to the same number for this account; shop still has room
    expect((await admin('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/over', accountId: 'other' })).status).toBe(429)
    expect((await admin('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/s', accountId: 'shop' })).status).toBe(201)
    expect((await hooks('DELETE', `/api/v1/webhooks/${ids[0] ?? ''}`)).status).toBe(204)
    expect((await hooks('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/after' })).status).toBe(201)
  })
})

describe('the failed-authentication lockout', () => {
  it('20 bad tokens from one address: more bad ones get 429 with Retry-After, a valid key from that address still passes', async () => {
    const bad = apiClient(gw.url, { authorization: 'Bearer wag_not-a-real-key-0000000000' })
    for (let i = 0; i < 20; i++) expect((await bad('GET', '/api/v1/accounts')).status).toBe(401)
    const locked = await bad('GET', '/api/v1/accounts')
    expect(locked.status).toBe(429)
    expect(locked.json.error?.code).toBe('rate_limited')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60)
    expect((await admin('GET', '/api/v1/accounts')).status).toBe(200)
    const reader = await keyFor('shop', ['accounts:read'])
    expect((await reader('GET', '/api/v1/accounts/shop')).status).toBe(200)
    expect((await bad('GET', '/api/v1/accounts/shop')).status).toBe(429)
  })
})
