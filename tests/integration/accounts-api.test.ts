import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '@/lib/auth/password'
import { closeDb, openDb } from '@/lib/db/client'
import { insertOperator } from '@/lib/db/operators'
import { type Simulator, startSimulator } from '../../sim'
import { until } from '../support/gateway-harness'
import { apiClient, type GatewayProcess, signInCookie, startGateway } from '../support/gateway-process'

const API_KEY = 'test-gateway-api-key-0123456789abcdef'
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' }
const VIEWER = { email: 'viewer@example.test', password: 'viewer-password-1' }

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let env: Record<string, string>
let api: ReturnType<typeof apiClient>

async function waitForStatus(id: string, status: string, timeoutMs = 15_000) {
  let last = ''
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const res = await api('GET', `/api/v1/accounts/${id}`)
    last = String(res.json.status)
    if (last === status) return res.json
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`account ${id} did not reach ${status} (last: ${last})`)
}

async function waitForQr(id: string): Promise<string> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const res = await api('GET', `/api/v1/accounts/${id}/qr`)
    if (res.status === 200) {
      expect(res.json.image).toMatch(/^data:image\/png;base64,/)
      expect(Date.parse(String(res.json.expiresAt))).toBeGreaterThan(Date.now())
      return String(res.json.qr)
    }
    expect(res.status).toBe(404)
    expect(res.json.error?.code).toBe('no_qr')
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('no QR appeared')
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-api-'))
  env = {
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: API_KEY,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    RECONNECT_BASE_MS: '200',
    CONNECT_WATCHDOG_MS: '3000',
  }
  gw = await startGateway(env)
  api = apiClient(gw.url, { authorization: `Bearer ${API_KEY}` })
  // A viewer, added the way an admin would (directly in the database here).
  const db = openDb(path.join(dataDir, 'gateway.db'))
  insertOperator({ db, email: VIEWER.email, name: 'Viewer', role: 'viewer', passwordHash: await hashPassword(VIEWER.password) })
  closeDb(db)
}, 90_000)

afterAll(async () => {
  // unset if beforeAll failed before starting them
  await (gw as GatewayProcess | undefined)?.stop()
  await (sim as Simulator | undefined)?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('accounts API on the real server', () => {
  it('does not serve sending by GET with ?apiKey= unless ALLOW_QUERY_API_KEY is on', async () => {
    expect((await api('POST', '/api/v1/accounts', { id: 'by-get', name: 'By GET' })).status).toBe(201)
    const res = await apiClient(gw.url)('GET', `/api/v1/accounts/by-get/messages/send?to=%2B15551234567&text=hi&apiKey=${API_KEY}`)
    expect(res.status).toBe(404)
    expect(res.json.error?.code).toBe('not_found')
    expect(res.json.error?.message).toContain('ALLOW_QUERY_API_KEY')
    expect((await api('DELETE', '/api/v1/accounts/by-get')).status).toBe(204)
  })

  it('refuses requests without valid credentials with the error envelope', async () => {
    const anon = apiClient(gw.url)
    const res = await anon('GET', '/api/v1/accounts')
    expect(res.status).toBe(401)
    expect(res.json.error).toMatchObject({ code: 'unauthorized' })
    const wrong = await apiClient(gw.url, { authorization: 'Bearer nope' })('GET', '/api/v1/accounts')
    expect(wrong.status).toBe(401)
    expect(wrong.json.error?.message).toMatch(/API key is not valid/)
  })

  it('validates input with clear errors', async () => {
    const badId = await api('POST', '/api/v1/accounts', { id: 'Bad Id!', name: 'x' })
    expect(badId.status).toBe(422)
    expect(badId.json.error).toMatchObject({ code: 'validation_failed' })
    expect(badId.json.error?.details).toEqual([expect.objectContaining({ path: 'id' })])
    expect((await api('POST', '/api/v1/accounts', { name: '' })).status).toBe(422)
    expect((await api('POST', '/api/v1/accounts', { name: 'x', extra: 1 })).status).toBe(422)
    const badJson = await api('POST', '/api/v1/accounts', '{"name":')
    expect(badJson.status).toBe(400)
    expect(badJson.json.error?.code).toBe('bad_request')
    expect((await api('GET', '/api/v1/accounts/nobody')).json.error?.code).toBe('not_found')
    expect((await api('POST', '/api/v1/accounts/nobody/connect')).status).toBe(404)
    const unknown = await api('POST', '/api/v1/accounts/nobody/explode')
    expect(unknown.status).toBe(404)
    expect(unknown.json.error?.code).toBe('not_found')
  })

  it('links by QR: create → connect → QR → the phone scans → connected; then QR is a 409', async () => {
    const created = await api('POST', '/api/v1/accounts', { id: 'shop', name: 'Shop' })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ id: 'shop', name: 'Shop', status: 'disconnected', phone: null })
    expect((await api('POST', '/api/v1/accounts', { id: 'shop', name: 'Again' })).json.error?.code).toBe('already_exists')
    expect((await api('GET', '/api/v1/accounts/shop/qr')).json.error?.code).toBe('no_qr')

    expect((await api('POST', '/api/v1/accounts/shop/connect')).status).toBe(202)
    const qr = await waitForQr('shop')
    sim.createUser({ phone: '15551001', name: 'Shop phone' })
    await sim.scan('15551001', qr)
    const account = await waitForStatus('shop', 'connected')
    expect(account).toMatchObject({ phone: '15551001', reconnectAttempts: 0 })
    const qrNow = await api('GET', '/api/v1/accounts/shop/qr')
    expect(qrNow.status).toBe(409)
    expect(qrNow.json.error?.code).toBe('already_connected')
    expect((await api('POST', '/api/v1/accounts/shop/pairing-code', { phone: '15551001' })).status).toBe(409)
    const list = await api('GET', '/api/v1/accounts')
    expect(list.json.data).toEqual([expect.objectContaining({ id: 'shop', status: 'connected' })])
  })

  it('links by pairing code through the API', async () => {
    await api('POST', '/api/v1/accounts', { id: 'pair', name: 'Pair' })
    const bad = await api('POST', '/api/v1/accounts/pair/pairing-code', { phone: 'call me' })
    expect(bad.status).toBe(422)
    sim.createUser({ phone: '15551002', name: 'Pair phone' })
    const res = await api('POST', '/api/v1/accounts/pair/pairing-code', { phone: '+1 555-1002' })
    expect(res.status).toBe(200)
    expect(res.json.code).toMatch(/^[A-Z0-9]{8}$/)
    await sim.enterPairingCode('15551002', String(res.json.code))
    expect(await waitForStatus('pair', 'connected')).toMatchObject({ phone: '15551002' })
  })

  it('operators: a viewer reads but cannot act; a session mutation needs the same Origin', async () => {
    const viewerCookie = await signInCookie(gw.url, VIEWER.email, VIEWER.password)
    const viewer = apiClient(gw.url, { cookie: viewerCookie, origin: gw.url })
    expect((await viewer('GET', '/api/v1/accounts')).status).toBe(200)
    const denied = await viewer('POST', '/api/v1/accounts/shop/disconnect')
    expect(denied.status).toBe(403)
    expect(denied.json.error).toMatchObject({ code: 'insufficient_scope', details: { required: 'accounts:manage' } })
    // Linking material is for admins only.
    const qr = await viewer('GET', '/api/v1/accounts/shop/qr')
    expect(qr.status).toBe(403)
    expect(qr.json.error).toMatchObject({ code: 'insufficient_scope', details: { required: 'accounts:manage' } })

    const adminCookie = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
    const crossSite = await apiClient(gw.url, { cookie: adminCookie, origin: 'http://evil.example' })('POST', '/api/v1/accounts', {
      name: 'x',
    })
    expect(crossSite.status).toBe(403)
    const admin = apiClient(gw.url, { cookie: adminCookie, origin: gw.url })
    const renamed = await admin('PATCH', '/api/v1/accounts/pair', { name: 'Pair (renamed)' })
    expect(renamed.status).toBe(200)
    expect(renamed.json.name).toBe('Pair (renamed)')
  })

  it('a gateway restart (SIGTERM, clean exit) reconnects connected accounts without a new QR', async () => {
    const loginsBefore = sim.getUser('15551001').devices[0]?.logins ?? 0
    expect(await gw.stop()).toBe(0)
    gw = await startGateway(env)
    api = apiClient(gw.url, { authorization: `Bearer ${API_KEY}` })
    await waitForStatus('shop', 'connected')
    await waitForStatus('pair', 'connected')
    expect(sim.getUser('15551001').devices[0]?.logins).toBe(loginsBefore + 1)
  }, 90_000)

  it('logout unlinks, delete removes the account', async () => {
    const out = await api('POST', '/api/v1/accounts/pair/logout')
    expect(out.status).toBe(200)
    expect(out.json).toMatchObject({ status: 'logged_out', jid: null })
    await until(() => sim.getUser('15551002').devices.length === 0 || undefined, 5000, 'device unlinked')
    expect((await api('DELETE', '/api/v1/accounts/pair')).status).toBe(204)
    expect((await api('GET', '/api/v1/accounts/pair')).status).toBe(404)
    // Nothing of the account is left in the gateway's database; the other account keeps its keys.
    const db = openDb(path.join(dataDir, 'gateway.db'), { migrate: false })
    try {
      const rows = (table: string, id: string) =>
        (db.$client.prepare(`SELECT count(*) AS n FROM ${table} WHERE account_id = ?`).get(id) as { n: number }).n
      for (const table of ['wa_creds', 'wa_keys', 'wa_key_packs', 'messages', 'account_status_log']) expect(rows(table, 'pair')).toBe(0)
      expect(rows('wa_key_packs', 'shop')).toBeGreaterThan(0)
    } finally {
      closeDb(db)
    }
  })
})
