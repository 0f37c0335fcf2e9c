import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from './index'
import { createTestClient, deviceIdOf, makeMemoryAuth } from './testing/baileys-client'
import { linkWithQr, reconnect } from './testing/link'
import { ClientTracker } from './testing/tracker'

describe('linking companions', () => {
  let sim: Simulator
  const clients = new ClientTracker()

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
  })
  afterEach(() => clients.endAll())
  afterAll(() => sim.close())

  it('QR: Baileys shows a QR, the phone scans it, pair-success → 515 → login → open', async () => {
    sim.createUser({ phone: '15550100', name: 'Quinn' })
    const auth = makeMemoryAuth()
    const pairing = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    const qr = await pairing.waitForQr()
    expect(qr.split(',')).toHaveLength(5)
    const linked = await sim.scan('15550100', qr)
    expect(linked).toMatchObject({ phone: '15550100', deviceId: 2, jid: '15550100:2@s.whatsapp.net' })
    expect(await pairing.waitForClose()).toMatchObject({ statusCode: 515 })
    expect(pairing.updates.some((u) => u.isNewLogin)).toBe(true)
    expect(auth.creds.me?.id).toBe('15550100:2@s.whatsapp.net')
    expect(auth.creds.me?.lid).toMatch(/^\d+:2@lid$/)

    const started = Date.now()
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await client.waitForOpen()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(client.updates.some((u) => u.qr)).toBe(false)
    const device = sim.getDevice('15550100', 2)
    expect(device).toMatchObject({ online: true, openConnections: 1, logins: 1, linkedVia: 'qr' })
    expect(device.preKeys).toBeGreaterThan(100) // Baileys uploaded its pre-keys at first login
  })

  it('pairing code: requestPairingCode, the phone enters the code → 515 → open', async () => {
    sim.createUser({ phone: '15550101', name: 'Cody' })
    const auth = makeMemoryAuth()
    const pairing = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await pairing.waitForQr()
    const code = await pairing.sock.requestPairingCode('15550101')
    expect(code).toMatch(/^[0-9A-Z]{8}$/)
    const linked = await sim.enterPairingCode('15550101', code)
    expect(linked.jid).toBe(`15550101:${linked.deviceId}@s.whatsapp.net`)
    expect(await pairing.waitForClose()).toMatchObject({ statusCode: 515 })
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await client.waitForOpen()
    expect(sim.getDevice('15550101', linked.deviceId).linkedVia).toBe('pairing_code')
  })

  it('a wrong pairing code fails to link', async () => {
    sim.createUser({ phone: '15550102' })
    const pairing = clients.track(createTestClient({ wsUrl: sim.wsUrl }))
    await pairing.waitForQr()
    const code = await pairing.sock.requestPairingCode('15550102')
    const wrong = code.startsWith('A') ? 'BBBBBBBB' : 'AAAAAAAA'
    await expect(sim.enterPairingCode('15550102', wrong)).rejects.toMatchObject({ code: 'pairing_failed' })
    expect(sim.getUser('15550102').devices).toHaveLength(0)
  })

  it('reconnecting with saved creds logs in without a new QR (gateway restart)', async () => {
    sim.createUser({ phone: '15550103' })
    const { client, auth, deviceId } = await linkWithQr(sim, '15550103')
    clients.track(client)
    await client.end()
    expect(sim.getDevice('15550103', deviceId).online).toBe(false)
    const again = clients.track(await reconnect(sim, auth))
    expect(again.updates.some((u) => u.qr)).toBe(false)
    expect(sim.getDevice('15550103', deviceId)).toMatchObject({ online: true, logins: 2 })
  })

  it('QR refs running out → Baileys closes with 408', async () => {
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl, config: { qrTimeout: 150 } }))
    const closed = await client.waitForClose(10_000)
    expect(closed.statusCode).toBe(408)
    expect(client.updates.filter((u) => u.qr)).toHaveLength(6)
  })

  it('an expired QR (companion gone) cannot be scanned', async () => {
    sim.createUser({ phone: '15550104' })
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl }))
    const qr = await client.waitForQr()
    await client.end()
    await expect(sim.scan('15550104', qr)).rejects.toMatchObject({ code: 'unknown_ref', status: 404 })
  })

  it('login with creds the simulator does not know → 401', async () => {
    const auth = makeMemoryAuth()
    auth.creds.me = { id: '15559999:7@s.whatsapp.net', name: 'stranger' }
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    expect((await client.waitForClose()).statusCode).toBe(401)
  })

  it('provisioned companions log in directly with the returned creds', async () => {
    sim.createUser({ phone: '15550105' })
    const provisioned = sim.provisionCompanion('15550105')
    const auth = makeMemoryAuth(provisioned.creds)
    const client = clients.track(await reconnect(sim, auth))
    expect(client.updates.some((u) => u.qr)).toBe(false)
    expect(deviceIdOf(auth)).toBe(provisioned.deviceId)
    expect(sim.getDevice('15550105', provisioned.deviceId).online).toBe(true)
  })
})

describe('state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wa-sim-state-'))
  const statePath = join(dir, 'state.json')
  const clients = new ClientTracker()
  afterEach(() => clients.endAll())
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('linked devices and messaging survive a simulator restart', async () => {
    let sim = await startSimulator({ port: 0, statePath })
    try {
      sim.createUser({ phone: '15550110', name: 'Stella' })
      sim.createUser({ phone: '15550111', name: 'Tom' })
      const { client, auth, deviceId } = await linkWithQr(sim, '15550110')
      clients.track(client)
      const first = await sim.sendText('15550111', '15550110', 'before restart')
      await client.waitForMessage((m) => m.message.key.id === first.id)
      await client.end()
      await sim.close()

      sim = await startSimulator({ port: 0, statePath })
      expect(sim.getUser('15550110').devices.map((d) => d.deviceId)).toEqual([deviceId])
      const again = clients.track(await reconnect(sim, auth))
      expect(again.updates.some((u) => u.qr)).toBe(false)
      const second = await sim.sendText('15550111', '15550110', 'after restart')
      const received = await again.waitForMessage((m) => m.message.key.id === second.id)
      expect(received.message.message?.conversation).toBe('after restart')
    } finally {
      await clients.endAll()
      await sim.close()
    }
  })
})
