import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '@/lib/auth/password'
import { closeDb, openDb } from '@/lib/db/client'
import { insertOperator } from '@/lib/db/operators'
import { type Simulator, startSimulator } from '../../sim'
import { apiClient, type GatewayProcess, signInCookie, startGateway } from '../support/gateway-process'

/**
 * Issue #23's smaller guards on the real server: custom webhook headers, what a refused webhook
 * target tells the caller, the audit trail of messages, QR reads and webhook changes, and the
 * per-account pairing-code throttle.
 */
const ADMIN_KEY = 'test-gateway-api-key-guards-0123456789'
const SHOP = '15553000001'
const ANN = '15553000002'
const PAIR = '15553000003'
const PAIR2 = '15553000004'
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' }
const VIEWER = { email: 'viewer@example.test', password: 'viewer-password-1' }

type Api = ReturnType<typeof apiClient>
let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let admin: Api
let shop: Api
let shopKeyId: string
let hidden: net.Server
let hiddenPort = 0
let hiddenConnections = 0

async function waitFor<T>(what: string, probe: () => Promise<T | false | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const got = await probe()
    if (got) return got
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

type AuditEntry = { action: string; actorId: string | null; target: string | null; details: Record<string, unknown> | null }
const audit = async (query: string) => (await admin('GET', `/api/v1/audit?limit=200&${query}`)).json.data as AuditEntry[]

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: SHOP, name: 'Shop' })
  sim.createUser({ phone: ANN, name: 'Ann' })
  sim.createUser({ phone: PAIR, name: 'Pair phone' })
  sim.createUser({ phone: PAIR2, name: 'Second pair phone' })
  // a listener that a refused webhook target must never reach
  hidden = net.createServer((s) => {
    hiddenConnections++
    s.destroy()
  })
  await new Promise<void>((r) => hidden.listen(0, '127.0.0.1', r))
  hiddenPort = (hidden.address() as AddressInfo).port

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-guards-'))
  gw = await startGateway({
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: ADMIN_KEY,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEND_MIN_GAP_MS: '0',
    SEND_PER_MINUTE: '0',
    WEBHOOK_ALLOW_HTTP: '1',
  })
  admin = apiClient(gw.url, { authorization: `Bearer ${ADMIN_KEY}` })
  const created = await admin('POST', '/api/v1/accounts', {
    id: 'shop',
    name: 'Shop',
    apiKey: { scopes: ['messages:send', 'messages:read'] },
  })
  expect(created.status).toBe(201)
  const key = created.json.apiKey as { key: string; id: string }
  shop = apiClient(gw.url, { authorization: `Bearer ${key.key}` })
  shopKeyId = key.id
  const db = openDb(path.join(dataDir, 'gateway.db'))
  insertOperator({ db, email: VIEWER.email, name: 'Viewer', role: 'viewer', passwordHash: await hashPassword(VIEWER.password) })
  closeDb(db)
}, 90_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  await (sim as Simulator | undefined)?.close()
  await new Promise((r) => hidden.close(r))
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('custom webhook headers are checked when saved', () => {
  it.each([
    ['Cookie', 'session=1'],
    ['X-Forwarded-For', '203.0.113.9'],
    ['forwarded', 'for=203.0.113.9'],
    ['Proxy-Authorization', 'Basic eA=='],
    ['Keep-Alive', 'timeout=5'],
    ['TE', 'trailers'],
  ])('refuses %s with 422 validation_failed naming it', async (name, value) => {
    const res = await admin('POST', '/api/v1/webhooks', { url: 'https://hooks.example/h', headers: { [name]: value } })
    expect(res.status).toBe(422)
    expect(res.json.error?.code).toBe('validation_failed')
    expect(res.json.error?.message).toContain(name)
    expect(res.json.error?.details).toEqual([expect.objectContaining({ path: `headers.${name}` })])
  })

  it('refuses values with CR/LF or control characters and values outside Latin-1, on create and on change', async () => {
    for (const value of ['a\r\nX-Injected: 1', 'a\u0007b', 'price in €']) {
      const res = await admin('POST', '/api/v1/webhooks', { url: 'https://hooks.example/h', headers: { 'X-Token': value } })
      expect(res.status, JSON.stringify(value)).toBe(422)
      expect(res.json.error?.details).toEqual([expect.objectContaining({ path: 'headers.X-Token' })])
    }
    const ok = await admin('POST', '/api/v1/webhooks', { url: 'https://hooks.example/h', headers: { 'X-Token': 'café\tok' } })
    expect(ok.status).toBe(201)
    const id = String(ok.json.id)
    const patched = await admin('PATCH', `/api/v1/webhooks/${id}`, { headers: { 'x-forwarded-host': 'a' }, keepHeaders: ['X-Token'] })
    expect(patched.status).toBe(422)
    expect(patched.json.error?.message).toContain('x-forwarded-host')
    expect((await admin('GET', `/api/v1/webhooks/${id}`)).json.headers).toEqual(['X-Token'])
    expect((await admin('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204)
  })
})

describe('a refused webhook target', () => {
  it('tells the caller the name is not allowed, never the address it resolved to; the log has the address', async () => {
    const created = await admin('POST', '/api/v1/webhooks', { url: `http://localhost:${hiddenPort}/hook`, accountId: 'shop' })
    expect(created.status).toBe(201)
    const id = String(created.json.id)
    expect((await admin('POST', `/api/v1/webhooks/${id}/test`)).status).toBe(202)
    type Attempt = { error: string | null }
    const attempt = await waitFor('the refused attempt', async () => {
      const list = (await admin('GET', `/api/v1/webhooks/${id}/deliveries`)).json.data as { attemptLog: Attempt[] }[]
      return list[0]?.attemptLog[0]
    })
    expect(attempt.error).toContain('localhost resolves to an address that is not allowed')
    const answers = JSON.stringify((await admin('GET', `/api/v1/webhooks/${id}/deliveries`)).json)
    expect(answers).not.toMatch(/127\.0\.0\.1|::1|loopback/)
    expect(hiddenConnections).toBe(0)
    const logged = gw.logs.find((l) => l.includes('outbound name refused'))
    expect(logged).toContain('"address":"127.0.0.1"')
    expect((await admin('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204)
  })
})

describe('the audit log', () => {
  it('records QR reads, and who sent, edited and deleted a message through the API', async () => {
    expect((await admin('POST', '/api/v1/accounts/shop/connect')).status).toBe(202)
    const qr = await waitFor('a QR', async () => {
      const res = await admin('GET', '/api/v1/accounts/shop/qr')
      return res.status === 200 && String(res.json.qr)
    })
    await sim.scan(SHOP, qr)
    await waitFor('shop connected', async () => (await admin('GET', '/api/v1/accounts/shop')).json.status === 'connected')
    const reads = await audit('action=account.qr_read&target=shop')
    expect(reads.length).toBeGreaterThanOrEqual(1)
    expect(reads[0]).toMatchObject({ actorId: 'api_key:env', details: null })
    expect(JSON.stringify(reads)).not.toContain(qr)

    const sent = await shop('POST', '/api/v1/accounts/shop/messages', { to: ANN, type: 'text', text: { body: 'the secret text' } })
    expect(sent.status).toBe(202)
    const id = String(sent.json.id)
    await waitFor('sent', async () => (await shop('GET', `/api/v1/accounts/shop/messages/${id}`)).json.status !== 'queued')
    expect((await shop('PATCH', `/api/v1/accounts/shop/messages/${id}`, { text: 'the edited text' })).status).toBe(200)
    expect((await shop('DELETE', `/api/v1/accounts/shop/messages/${id}`)).status).toBe(200)

    const rows = (await audit(`actorId=api_key:${shopKeyId}`)).reverse()
    expect(rows.map((r) => r.action)).toEqual(['message.send', 'message.edit', 'message.delete'])
    for (const r of rows) expect(r).toMatchObject({ target: 'shop', details: { messageId: id, type: 'text', via: 'api' } })
    expect(JSON.stringify(rows)).not.toMatch(/secret text|edited text/)
  })

  it('records the fields and header names a webhook change touched, never a value or a URL query', async () => {
    const created = await admin('POST', '/api/v1/webhooks', {
      url: 'https://hooks.example/in?token=url-secret-1',
      headers: { Authorization: 'Bearer header-secret-1' },
    })
    expect(created.status).toBe(201)
    const id = String(created.json.id)
    const changed = await admin('PATCH', `/api/v1/webhooks/${id}`, {
      description: 'CRM',
      headers: { 'X-Tenant': 'header-secret-2' },
      keepHeaders: ['Authorization'],
    })
    expect(changed.status).toBe(200)
    const [update] = await audit(`action=webhook.update&target=${id}`)
    expect(update?.details).toEqual({
      fields: expect.arrayContaining(['description', 'headers', 'keepHeaders']) as unknown,
      headers: ['X-Tenant'],
      keepHeaders: ['Authorization'],
    })
    const [create] = await audit(`action=webhook.create&target=${id}`)
    expect(create?.details).toMatchObject({ url: 'https://hooks.example/in', headers: ['Authorization'] })
    expect(JSON.stringify(await audit(`target=${id}`))).not.toMatch(/secret/)
  })
})

describe('pairing codes', () => {
  it('are throttled per account: asking again within 30 s (after a logout) is 429 rate_limited with Retry-After', async () => {
    expect((await admin('POST', '/api/v1/accounts', { id: 'pair', name: 'Pair' })).status).toBe(201)
    const first = await admin('POST', '/api/v1/accounts/pair/pairing-code', { phone: PAIR })
    expect(first.status).toBe(200)
    // the half-linked account refuses a second code until it is logged out; that refusal does not count
    expect((await admin('POST', '/api/v1/accounts/pair/pairing-code', { phone: PAIR })).json.error?.code).toBe('conflict')
    expect((await admin('POST', '/api/v1/accounts/pair/logout')).status).toBe(200)
    const again = await admin('POST', '/api/v1/accounts/pair/pairing-code', { phone: PAIR })
    expect(again.status).toBe(429)
    expect(again.json.error?.code).toBe('rate_limited')
    const retryAfter = Number(again.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(30)
    // another account is not held back by this one's requests
    expect((await admin('POST', '/api/v1/accounts', { id: 'pair2', name: 'Pair 2' })).status).toBe(201)
    expect((await admin('POST', '/api/v1/accounts/pair2/pairing-code', { phone: PAIR2 })).status).toBe(200)
  })
})

describe('viewers on the dashboard', () => {
  it('see no webhook URL on the Webhooks page or the account Webhooks tab, as the API refuses them; admins do', async () => {
    const url = 'https://viewer-check.example/hook-7f3a'
    expect((await admin('POST', '/api/v1/webhooks', { url, accountId: 'shop', enabled: false })).status).toBe(201)
    const page = async (cookie: string, p: string) => {
      const res = await fetch(gw.url + p, { headers: { cookie }, redirect: 'manual' })
      expect(res.status).toBe(200)
      return res.text()
    }
    const viewer = await signInCookie(gw.url, VIEWER.email, VIEWER.password)
    const adminCookie = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
    expect((await apiClient(gw.url, { cookie: viewer })('GET', '/api/v1/webhooks')).status).toBe(403)
    for (const p of ['/webhooks', '/accounts/shop?tab=webhooks']) {
      const seen = await page(viewer, p)
      expect(seen).toContain('webhooks-admins-only')
      expect(seen).not.toContain('viewer-check.example')
      expect(await page(adminCookie, p)).toContain('viewer-check.example')
    }
  })
})
