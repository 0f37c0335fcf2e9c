import { afterEach, describe, expect, it } from 'vitest'
import { textOf } from './testing/baileys-client'
import { linkedSimulator } from './testing/fixture'
import { linkWithQr } from './testing/link'

const ALICE = '15550201'
const BOB = '15550202'
const CAROL = '15550203'
const DAVE = '15550204'

describe('messaging through the simulator', () => {
  const fx = linkedSimulator({ users: { [ALICE]: 'Alice', [BOB]: 'Bob', [CAROL]: 'Carol', [DAVE]: 'Dave' }, link: ALICE })

  afterEach(() => {
    fx.sim.setReceipts(BOB, { delivery: true, read: false })
  })

  it('a text sent by the companion is decrypted by the contact (inbox) and acknowledged with a delivery receipt (status 3)', async () => {
    const sent = await fx.linked.client.sock.sendMessage(`${BOB}@s.whatsapp.net`, { text: 'hello bob' })
    const id = sent?.key.id ?? ''
    const entry = await fx.sim.waitForInbox(BOB, (e) => e.id === id)
    expect(entry).toMatchObject({
      from: `${ALICE}:${fx.linked.deviceId}@s.whatsapp.net`,
      fromPhone: ALICE,
      type: 'text',
      text: 'hello bob',
    })
    expect(['pkmsg', 'msg']).toContain(entry.encType)
    const status = await fx.linked.client.waitForStatus(id, 3)
    expect(status.status).toBe(3)
    // the sender's own phone got the device-sent copy, which is not an inbox message
    expect(fx.sim.inbox(ALICE).some((e) => e.id === id)).toBe(false)
  })

  it('read receipts when enabled → status 4 (READ)', async () => {
    fx.sim.setReceipts(BOB, { delivery: true, read: true })
    const sent = await fx.linked.client.sock.sendMessage(`${BOB}@s.whatsapp.net`, { text: 'please read' })
    const id = sent?.key.id ?? ''
    const read = await fx.linked.client.waitForStatus(id, 4)
    expect(read.status).toBe(4)
    expect(fx.linked.client.statuses.filter((s) => s.id === id).map((s) => s.status)).toContain(4)
  })

  it('no receipts when disabled: the message arrives but is never marked delivered', async () => {
    fx.sim.setReceipts(BOB, { delivery: false, read: false })
    const sent = await fx.linked.client.sock.sendMessage(`${BOB}@s.whatsapp.net`, { text: 'silent bob' })
    const id = sent?.key.id ?? ''
    await fx.sim.waitForInbox(BOB, (e) => e.id === id)
    // a later message from another contact proves events for the earlier one were flushed
    const marker = await fx.sim.sendText(CAROL, ALICE, 'marker')
    await fx.linked.client.waitForMessage((m) => m.message.key.id === marker.id)
    expect(fx.linked.client.statuses.some((s) => s.id === id && s.status >= 3)).toBe(false)
  })

  it('receives a text from a new contact (pkmsg) and then from a known one (msg)', async () => {
    const first = await fx.sim.sendText(DAVE, ALICE, 'hi alice, this is dave')
    expect(first.encTypes).toEqual(['pkmsg'])
    const got = await fx.linked.client.waitForMessage((m) => m.message.key.id === first.id)
    expect(got.type).toBe('notify')
    expect(got.message.key.remoteJid).toBe(`${DAVE}@s.whatsapp.net`)
    expect(textOf(got.message)).toBe('hi alice, this is dave')
    expect(got.message.pushName).toBe('Dave')

    // Bob already received from Alice, so his phone has a session: a plain msg
    const second = await fx.sim.sendText(BOB, ALICE, 'hi alice, this is bob')
    expect(second.encTypes).toEqual(['msg'])
    const got2 = await fx.linked.client.waitForMessage((m) => m.message.key.id === second.id)
    expect(textOf(got2.message)).toBe('hi alice, this is bob')
  })

  it('a companion reading a contact message sends a read receipt the contact sees', async () => {
    const msg = await fx.sim.sendText(CAROL, ALICE, 'read me')
    const got = await fx.linked.client.waitForMessage((m) => m.message.key.id === msg.id)
    await fx.linked.client.sock.readMessages([got.message.key])
    await expect.poll(() => fx.sim.sent(CAROL).find((s) => s.id === msg.id)?.status, { timeout: 5_000 }).toBe('read')
  })

  it('onWhatsApp answers for known and unknown numbers', async () => {
    const result = await fx.linked.client.sock.onWhatsApp(BOB, '19998887777')
    const known = result?.find((r) => r.jid === `${BOB}@s.whatsapp.net`)
    expect(known?.exists).toBe(true)
    expect(result?.find((r) => r.jid.startsWith('19998887777'))?.exists ?? false).toBe(false)
  })

  it('two linked accounts message each other; the recipient phone also receives it', async () => {
    const bob = await linkWithQr(fx.sim, BOB)
    fx.clients.track(bob.client)
    const sent = await fx.linked.client.sock.sendMessage(`${BOB}@s.whatsapp.net`, { text: 'hi bob, from alice' })
    const id = sent?.key.id ?? ''
    const atBob = await bob.client.waitForMessage((m) => m.message.key.id === id)
    expect(textOf(atBob.message)).toBe('hi bob, from alice')
    expect(atBob.message.key.remoteJid).toMatch(new RegExp(`^(${ALICE}@s\\.whatsapp\\.net|\\d+@lid)$`))
    await fx.sim.waitForInbox(BOB, (e) => e.id === id)

    const reply = await bob.client.sock.sendMessage(`${ALICE}@s.whatsapp.net`, { text: 'reply from bob' })
    const atAlice = await fx.linked.client.waitForMessage((m) => m.message.key.id === reply?.key.id)
    expect(textOf(atAlice.message)).toBe('reply from bob')
    await bob.client.end()
  })
})
