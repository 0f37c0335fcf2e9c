import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from './index'
import { textOf } from './testing/baileys-client'
import { type LinkedClient, linkWithQr, reconnect } from './testing/link'
import { ClientTracker } from './testing/tracker'

const ALICE = '15550301'
const BOB = '15550302'

/**
 * WhatsApp keeps a message until the receiving device acknowledges it: one written to a connection
 * that dies before the device's receipt comes back is delivered again on the next login.
 */
describe('messages stay on the server until the device acknowledges them', () => {
  let sim: Simulator
  let alice: LinkedClient
  const clients = new ClientTracker()

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
    sim.createUser({ phone: ALICE, name: 'Alice' })
    sim.createUser({ phone: BOB, name: 'Bob' })
    alice = await linkWithQr(sim, ALICE)
    clients.track(alice.client)
  })
  afterAll(async () => {
    await clients.endAll()
    await sim.close()
  })

  it('a message the device never acknowledged comes back (offline, in order) on the next login; an acknowledged one does not', async () => {
    // acknowledged while connected: answered with a receipt, so gone from the server
    const seen = await sim.sendText(BOB, ALICE, 'seen before the drop')
    await alice.client.waitForMessage((m) => m.message.key.id === seen.id)
    await expect.poll(() => sim.getDevice(ALICE, alice.deviceId).unacknowledged).toBe(0)

    // the connection goes dead (the server's writes no longer arrive), then closes: nothing was acknowledged
    sim.disconnect(ALICE, alice.deviceId, 'silent')
    const first = await sim.sendText(BOB, ALICE, 'sent into a dead connection 1')
    const second = await sim.sendText(BOB, ALICE, 'sent into a dead connection 2')
    expect(sim.getDevice(ALICE, alice.deviceId)).toMatchObject({ queued: 0, unacknowledged: 2 })
    await alice.client.end()
    await expect.poll(() => sim.getDevice(ALICE, alice.deviceId).queued, { timeout: 5_000 }).toBe(2)

    const again = clients.track(await reconnect(sim, alice.auth))
    const a = await again.waitForMessage((m) => m.message.key.id === first.id)
    const b = await again.waitForMessage((m) => m.message.key.id === second.id)
    expect([textOf(a.message), textOf(b.message)]).toEqual(['sent into a dead connection 1', 'sent into a dead connection 2'])
    expect(a.type).toBe('append')
    expect(again.upserts.findIndex((u) => u.message.key.id === first.id)).toBeLessThan(
      again.upserts.findIndex((u) => u.message.key.id === second.id),
    )
    expect(again.upserts.some((u) => u.message.key.id === seen.id)).toBe(false)

    // now acknowledged: a further restart replays nothing
    const marker = await sim.sendText(BOB, ALICE, 'acknowledged live')
    await again.waitForMessage((m) => m.message.key.id === marker.id)
    await expect.poll(() => sim.getDevice(ALICE, alice.deviceId).unacknowledged).toBe(0)
    await again.end()
    await expect.poll(() => sim.getDevice(ALICE, alice.deviceId).online).toBe(false)
    expect(sim.getDevice(ALICE, alice.deviceId)).toMatchObject({ queued: 0, unacknowledged: 0 })
    const third = clients.track(await reconnect(sim, alice.auth))
    const after = await sim.sendText(BOB, ALICE, 'after the second restart')
    await third.waitForMessage((m) => m.message.key.id === after.id)
    const ids = third.upserts.map((u) => u.message.key.id)
    expect(ids).not.toContain(first.id)
    expect(ids).not.toContain(second.id)
    expect(ids).not.toContain(marker.id)
  })
})
