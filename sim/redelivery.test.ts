import { describe, expect, it } from 'vitest'
import { textOf } from './testing/baileys-client'
import { linkedSimulator } from './testing/fixture'
import { reconnect } from './testing/link'

const ALICE = '15550301'
const BOB = '15550302'

/**
 * WhatsApp keeps a message until the receiving device acknowledges it: one written to a connection
 * that dies before the device's receipt comes back is delivered again on the next login.
 */
describe('messages stay on the server until the device acknowledges them', () => {
  const fx = linkedSimulator({ users: { [ALICE]: 'Alice', [BOB]: 'Bob' }, link: ALICE })

  it('a message the device never acknowledged comes back (offline, in order) on the next login; an acknowledged one does not', async () => {
    // acknowledged while connected: answered with a receipt, so gone from the server
    const seen = await fx.sim.sendText(BOB, ALICE, 'seen before the drop')
    await fx.linked.client.waitForMessage((m) => m.message.key.id === seen.id)
    await expect.poll(() => fx.sim.getDevice(ALICE, fx.linked.deviceId).unacknowledged).toBe(0)

    // the connection goes dead (the server's writes no longer arrive), then closes: nothing was acknowledged
    fx.sim.disconnect(ALICE, fx.linked.deviceId, 'silent')
    const first = await fx.sim.sendText(BOB, ALICE, 'sent into a dead connection 1')
    const second = await fx.sim.sendText(BOB, ALICE, 'sent into a dead connection 2')
    expect(fx.sim.getDevice(ALICE, fx.linked.deviceId)).toMatchObject({ queued: 0, unacknowledged: 2 })
    await fx.linked.client.end()
    await expect.poll(() => fx.sim.getDevice(ALICE, fx.linked.deviceId).queued, { timeout: 5_000 }).toBe(2)

    const again = fx.clients.track(await reconnect(fx.sim, fx.linked.auth))
    const a = await again.waitForMessage((m) => m.message.key.id === first.id)
    const b = await again.waitForMessage((m) => m.message.key.id === second.id)
    expect([textOf(a.message), textOf(b.message)]).toEqual(['sent into a dead connection 1', 'sent into a dead connection 2'])
    expect(a.type).toBe('append')
    expect(again.upserts.findIndex((u) => u.message.key.id === first.id)).toBeLessThan(
      again.upserts.findIndex((u) => u.message.key.id === second.id),
    )
    expect(again.upserts.some((u) => u.message.key.id === seen.id)).toBe(false)

    // now acknowledged: a further restart replays nothing
    const marker = await fx.sim.sendText(BOB, ALICE, 'acknowledged live')
    await again.waitForMessage((m) => m.message.key.id === marker.id)
    await expect.poll(() => fx.sim.getDevice(ALICE, fx.linked.deviceId).unacknowledged).toBe(0)
    await again.end()
    await expect.poll(() => fx.sim.getDevice(ALICE, fx.linked.deviceId).online).toBe(false)
    expect(fx.sim.getDevice(ALICE, fx.linked.deviceId)).toMatchObject({ queued: 0, unacknowledged: 0 })
    const third = fx.clients.track(await reconnect(fx.sim, fx.linked.auth))
    const after = await fx.sim.sendText(BOB, ALICE, 'after the second restart')
    await third.waitForMessage((m) => m.message.key.id === after.id)
    const ids = third.upserts.map((u) => u.message.key.id)
    expect(ids).not.toContain(first.id)
    expect(ids).not.toContain(second.id)
    expect(ids).not.toContain(marker.id)
  })
})
