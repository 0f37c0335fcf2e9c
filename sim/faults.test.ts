import { WebSocket } from 'ws'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BAILEYS_STATUS_FOR, DISCONNECT_KINDS, type DisconnectKind, type Simulator, startSimulator } from './index'
import { createTestClient, makeMemoryAuth, type MemoryAuth } from './testing/baileys-client'
import { reconnect } from './testing/link'
import { ClientTracker } from './testing/tracker'

const PHONE = '15550301'

describe('fault injection', () => {
  let sim: Simulator
  let auth: MemoryAuth
  let deviceId: number
  const clients = new ClientTracker()

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
    sim.createUser({ phone: PHONE, name: 'Fay' })
    const provisioned = sim.provisionCompanion(PHONE)
    auth = makeMemoryAuth(provisioned.creds)
    deviceId = provisioned.deviceId
  })
  afterEach(async () => {
    sim.setFaults({ rejectUpgrades: false })
    await clients.endAll()
  })
  afterAll(() => sim.close())

  const fast: DisconnectKind[] = DISCONNECT_KINDS.filter((k) => k !== 'silent')

  it.each(fast)('%s → Baileys reports the documented status code', async (kind) => {
    const client = clients.track(await reconnect(sim, auth))
    await sim.waitForOnline(PHONE, deviceId)
    expect(sim.disconnect(PHONE, deviceId, kind)).toEqual({ connections: 1 })
    const closed = await client.waitForClose()
    expect(closed.statusCode).toBe(BAILEYS_STATUS_FOR[kind])
  })

  it('silent → Baileys gives up at its keep-alive check with 408 "Connection was lost"', async () => {
    const client = clients.track(await reconnect(sim, auth, { keepAliveIntervalMs: 500 }))
    await sim.waitForOnline(PHONE, deviceId)
    sim.disconnect(PHONE, deviceId, 'silent')
    const closed = await client.waitForClose(15_000)
    expect(closed).toMatchObject({ statusCode: 408, message: 'Connection was lost' })
  }, 20_000)

  it('a second login of the same device replaces the first (440) and one socket stays open', async () => {
    const first = clients.track(await reconnect(sim, auth))
    const before = sim.getDevice(PHONE, deviceId).logins
    const second = clients.track(await reconnect(sim, auth))
    expect((await first.waitForClose()).statusCode).toBe(440)
    expect(second.isOpen()).toBe(true)
    await expect.poll(() => sim.getDevice(PHONE, deviceId).openConnections).toBe(1)
    expect(sim.getDevice(PHONE, deviceId).logins).toBe(before + 1)
  })

  it('disconnecting an offline device is a 409 device_offline', () => {
    expect(() => sim.disconnect(PHONE, deviceId, 'close')).toThrow(expect.objectContaining({ code: 'device_offline', status: 409 }))
  })

  it('rejectUpgrades: the WebSocket upgrade is answered with HTTP 403 and Baileys never opens', async () => {
    sim.setFaults({ rejectUpgrades: true })
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(sim.wsUrl, { headers: { origin: 'https://web.whatsapp.com' } })
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('open', () => reject(new Error('upgrade was accepted')))
      // terminate() during the handshake emits an error; the status is already resolved by then
      ws.on('error', () => undefined)
    })
    expect(status).toBe(403)

    const acceptedBefore = sim.stats().connections.accepted
    const rejectedBefore = sim.getFaults().rejected
    const client = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await expect.poll(() => sim.getFaults().rejected, { timeout: 5_000 }).toBe(rejectedBefore + 1)
    // Baileys emits no close for a rejected upgrade: it stays "connecting" (the gateway needs a watchdog)
    expect(client.updates.some((u) => u.connection === 'open')).toBe(false)
    expect(sim.stats().connections.accepted).toBe(acceptedBefore)
  })

  it('rejectUpgrades: N rejects only the next N upgrades', async () => {
    sim.setFaults({ rejectUpgrades: 1 })
    const rejectedBefore = sim.getFaults().rejected
    const first = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth }))
    await expect.poll(() => sim.getFaults().rejected).toBe(rejectedBefore + 1)
    expect(sim.getFaults().rejectUpgrades).toBe(0)
    await first.end()
    clients.track(await reconnect(sim, auth))
  })

  it('the phone unlinking the device → 401 now, and 401 at the next login', async () => {
    sim.createUser({ phone: '15550302' })
    const provisioned = sim.provisionCompanion('15550302')
    const own = makeMemoryAuth(provisioned.creds)
    const client = clients.track(await reconnect(sim, own))
    sim.unlink('15550302', provisioned.deviceId)
    expect((await client.waitForClose()).statusCode).toBe(401)
    expect(sim.getUser('15550302').devices).toHaveLength(0)
    const again = clients.track(createTestClient({ wsUrl: sim.wsUrl, auth: own }))
    expect((await again.waitForClose()).statusCode).toBe(401)
  })

  it('counts connections: accepted and open, per device and overall', async () => {
    const before = sim.stats().connections.accepted
    const client = clients.track(await reconnect(sim, auth))
    const stats = sim.stats()
    expect(stats.connections.accepted).toBe(before + 1)
    expect(stats.connections.open).toBeGreaterThanOrEqual(1)
    expect(sim.getDevice(PHONE, deviceId)).toMatchObject({ online: true, openConnections: 1 })
    await client.end()
    await expect.poll(() => sim.getDevice(PHONE, deviceId).online).toBe(false)
  })
})
