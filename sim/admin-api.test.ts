import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from './index'
import { createTestClient, makeMemoryAuth, textOf } from './testing/baileys-client'
import { ClientTracker } from './testing/tracker'

type Json = Record<string, unknown>

describe('admin HTTP API', () => {
  let sim: Simulator
  const clients = new ClientTracker()
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; headers: Headers }> => {
    const res = await fetch(`${sim.adminUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as Json, headers: res.headers }
  }
  const errorCode = (json: Json) => (json.error as { code?: string } | undefined)?.code

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
  })
  afterEach(() => clients.endAll())
  afterAll(() => sim.close())

  it('health', async () => {
    const { status, json } = await call('GET', '/health')
    expect(status).toBe(200)
    expect(json).toMatchObject({ ok: true, wsUrl: sim.wsUrl })
  })

  it('users: create, conflict, bad phone, bad JSON, unknown fields', async () => {
    expect(await call('POST', '/users', { phone: '+15550401', name: 'Ann' })).toMatchObject({
      status: 201,
      json: { phone: '15550401', name: 'Ann', devices: [] },
    })
    const dup = await call('POST', '/users', { phone: '15550401' })
    expect([dup.status, errorCode(dup.json)]).toEqual([409, 'conflict'])
    const bad = await call('POST', '/users', { phone: '12ab' })
    expect([bad.status, errorCode(bad.json)]).toEqual([422, 'invalid_input'])
    const missing = await call('POST', '/users', { name: 'x' })
    expect([missing.status, errorCode(missing.json)]).toEqual([422, 'invalid_input'])
    const extra = await call('POST', '/users', { phone: '15550499', admin: true })
    expect(extra.status).toBe(422)
    const notJson = await call('POST', '/users', '{nope')
    expect([notJson.status, errorCode(notJson.json)]).toEqual([400, 'bad_request'])
    const list = await call('GET', '/users')
    expect((list.json.users as Json[]).map((u) => u.phone)).toContain('15550401')
  })

  it('unknown routes 404, wrong methods 405 with Allow, unknown users/devices 404', async () => {
    const none = await call('GET', '/nothing-here')
    expect([none.status, errorCode(none.json)]).toEqual([404, 'not_found'])
    const put = await call('PUT', '/users')
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, POST')
    expect((await call('GET', '/users/19999999999/inbox')).status).toBe(404)
    await call('POST', '/users', { phone: '15550402' })
    expect((await call('DELETE', '/users/15550402/devices/9')).status).toBe(404)
    expect((await call('POST', '/users/15550402/devices/abc/disconnect', { kind: 'close' })).status).toBe(422)
    const offline = await call('POST', '/users/15550402/messages', { to: '19999999999', text: 'x' })
    expect(offline.status).toBe(404)
  })

  it('scan and pairing-code errors', async () => {
    await call('POST', '/users', { phone: '15550403' })
    const malformed = await call('POST', '/users/15550403/scan', { qr: 'not a qr' })
    expect([malformed.status, errorCode(malformed.json)]).toEqual([422, 'invalid_qr'])
    const key = Buffer.alloc(32, 1).toString('base64')
    const expired = await call('POST', '/users/15550403/scan', { qr: `2@gone,${key},${key},${key},1` })
    expect([expired.status, errorCode(expired.json)]).toEqual([404, 'unknown_ref'])
    const badCode = await call('POST', '/users/15550403/pairing-code', { code: '12' })
    expect(badCode.status).toBe(422)
    const noPending = await call('POST', '/users/15550403/pairing-code', { code: 'ABCD-EFGH' })
    expect([noPending.status, errorCode(noPending.json)]).toEqual([404, 'no_pending_pairing'])
    const badKind = await call('POST', '/users/15550403/devices/2/disconnect', { kind: 'explode' })
    expect(badKind.status).toBe(422)
    const badFaults = await call('POST', '/faults', { rejectUpgrades: 'yes' })
    expect(badFaults.status).toBe(422)
  })

  it('a whole flow over HTTP: scan, messages both ways, inbox, receipts, disconnect, unlink', async () => {
    await call('POST', '/users', { phone: '15550410', name: 'Hugo' })
    await call('POST', '/users', { phone: '15550411', name: 'Iris' })
    const auth = makeMemoryAuth()
    const pairing = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    const scan = await call('POST', '/users/15550410/scan', { qr: await pairing.waitForQr() })
    expect(scan).toMatchObject({ status: 200, json: { phone: '15550410', deviceId: 2 } })
    expect((await pairing.waitForClose()).statusCode).toBe(515)
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await client.waitForOpen()
    const users = await call('GET', '/users')
    const hugo = (users.json.users as { phone: string; devices: Json[] }[]).find((u) => u.phone === '15550410')
    expect(hugo?.devices[0]).toMatchObject({ deviceId: 2, online: true, openConnections: 1 })

    const receipts = await call('POST', '/users/15550411/receipts', { delivery: true, read: true })
    expect(receipts.json).toMatchObject({ delivery: true, read: true })
    const sent = await client.sock.sendMessage('15550411@s.whatsapp.net', { text: 'hi iris' })
    await client.waitForStatus(sent?.key.id ?? '', 4)
    const inbox = await call('GET', '/users/15550411/inbox')
    expect(inbox.json.messages).toEqual([
      expect.objectContaining({ id: sent?.key.id, from: '15550410:2@s.whatsapp.net', type: 'text', text: 'hi iris' }),
    ])
    expect((await call('DELETE', '/users/15550411/inbox')).json).toEqual({ messages: [] })
    expect((await call('GET', '/users/15550411/inbox')).json.messages).toEqual([])

    const msg = await call('POST', '/users/15550411/messages', { to: '15550410', text: 'hi hugo' })
    expect(msg.status).toBe(201)
    const got = await client.waitForMessage((m) => m.message.key.id === msg.json.id)
    expect(textOf(got.message)).toBe('hi hugo')

    const dc = await call('POST', '/users/15550410/devices/2/disconnect', { kind: 'stream_error_503' })
    expect(dc).toMatchObject({ status: 200, json: { kind: 'stream_error_503', connections: 1 } })
    expect((await client.waitForClose()).statusCode).toBe(503)

    const again = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await again.waitForOpen()
    expect((await call('DELETE', '/users/15550410/devices/2')).status).toBe(200)
    expect((await again.waitForClose()).statusCode).toBe(401)
    expect((await call('GET', '/users/15550410')).json.devices).toEqual([])
  })

  it('faults: reject the next upgrades, then recover', async () => {
    const set = await call('POST', '/faults', { rejectUpgrades: 2 })
    expect(set.json).toMatchObject({ rejectUpgrades: 2, rejectStatus: 403 })
    const off = await call('POST', '/faults', { rejectUpgrades: false })
    expect(off.json).toMatchObject({ rejectUpgrades: 0 })
  })
})
