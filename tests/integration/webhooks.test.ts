import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_SCHEMAS } from '@/lib/api/schemas/events'
import type { EventType } from '@/lib/db/schema'
import type { MessageService } from '@/lib/messages/service'
import { createHarness, type Harness, linkByQr, until } from '../support/gateway-harness'
import { type Receiver, startReceiver } from '../support/webhook-receiver'

/**
 * Webhooks end to end: real Baileys against the simulator, the message log, the outbox, the worker,
 * and a local receiver that verifies every delivery with the Standard Webhooks reference verifier.
 */
const SHOP = '4915100000011'
const ANN = '15551230011'

type Delivered = { id: string; type: EventType; accountId: string | null; timestamp: string; data: Record<string, unknown> }

let h: Harness
let rx: Receiver
let messages: MessageService
let secret: string

/** The verified events of one type received so far (each parsed by its documented schema too). */
const got = (type: EventType, match: (e: Delivered) => boolean = () => true) =>
  rx
    .at('/hooks')
    .map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as Delivered)
    .filter((e) => e.type === type && match(e))
const waitEvent = (type: EventType, match: (e: Delivered) => boolean = () => true) =>
  until(() => got(type, match)[0], 15_000, `a ${type} webhook`)
const msgOf = (e: Delivered) =>
  e.data.message as { id: string; waMessageId: string; text: string | null; status: string; deletedAt: number | null }

beforeAll(async () => {
  h = await createHarness()
  rx = await startReceiver()
  h.sim.createUser({ phone: ANN, name: 'Ann' })
  messages = h.gw.messages
  // a gateway-wide endpoint: it also sees account.created and the account's status changes
  ;({ secret } = h.gw.webhooks.create(null, { url: rx.url('/hooks') }))
  await linkByQr(h, 'shop', SHOP)
})
afterAll(async () => {
  await rx.close()
  await h.close()
})

describe('events reach a webhook receiver, signed', () => {
  it('the account is created and connects: account.created, then account.status up to connected (no QR in any event)', async () => {
    await waitEvent('account.status', (e) => e.data.status === 'connected')
    expect(got('account.created')[0]).toMatchObject({ accountId: 'shop', data: { account: { id: 'shop' } } })
    expect(got('account.status').map((e) => e.data.status)).toEqual(expect.arrayContaining(['connecting', 'qr_ready', 'connected']))
    for (const r of rx.at('/hooks')) expect(r.body).not.toMatch(/"qr"|pairing/i)
  })

  it('an inbound text arrives as message.received with its content', async () => {
    const t = await h.sim.sendMessage(ANN, { type: 'text', to: SHOP, text: 'hello shop' })
    const e = await waitEvent('message.received', (x) => msgOf(x).waMessageId === t.id)
    expect(e).toMatchObject({ accountId: 'shop', data: { message: { text: 'hello shop', direction: 'in', chat: { phone: ANN } } } })
  })

  it('a sent message gives message.sent, then message.status delivered and read from the receipts', async () => {
    const m = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'your order shipped' } })
    await waitEvent('message.sent', (x) => msgOf(x).id === m.id)
    await waitEvent('message.status', (x) => msgOf(x).id === m.id && x.data.status === 'delivered')
    h.sim.sendReceipt(ANN, m.waMessageId, 'read')
    const read = await waitEvent('message.status', (x) => msgOf(x).id === m.id && x.data.status === 'read')
    expect(msgOf(read).status).toBe('read')
    // one event per change, in order
    expect(got('message.sent', (x) => msgOf(x).id === m.id)).toHaveLength(1)
    expect(got('message.status', (x) => msgOf(x).id === m.id).map((x) => x.data.status)).toEqual(['delivered', 'read'])
  })

  it('an edit and a delete from the contact give message.edited and message.deleted and change the stored row', async () => {
    const t = await h.sim.sendMessage(ANN, { type: 'text', to: SHOP, text: 'typo' })
    const received = await waitEvent('message.received', (x) => msgOf(x).waMessageId === t.id)
    await h.sim.sendMessage(ANN, { type: 'edit', to: SHOP, targetId: t.id, text: 'fixed' })
    const edited = await waitEvent('message.edited', (x) => msgOf(x).waMessageId === t.id)
    expect(msgOf(edited).text).toBe('fixed')
    expect(messages.get('shop', msgOf(received).id)).toMatchObject({ text: 'fixed' })

    await h.sim.sendMessage(ANN, { type: 'delete', to: SHOP, targetId: t.id })
    const deleted = await waitEvent('message.deleted', (x) => msgOf(x).waMessageId === t.id)
    expect(msgOf(deleted).deletedAt).not.toBeNull()
    expect(messages.get('shop', msgOf(received).id).deletedAt).not.toBeNull()
  })

  it('a reaction gives message.reaction with the target', async () => {
    const m = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'react please' } })
    await h.sim.waitForInbox(ANN, (e) => e.id === m.waMessageId)
    await h.sim.sendMessage(ANN, { type: 'reaction', to: SHOP, targetId: m.waMessageId, emoji: '👍' })
    const e = await waitEvent('message.reaction', (x) => (x.data.reaction as { messageId: string }).messageId === m.waMessageId)
    expect(e.data).toMatchObject({
      reaction: { emoji: '👍' },
      message: { id: m.id, reactions: [expect.objectContaining({ emoji: '👍' })] },
    })
  })

  it('every delivered event matches its documented schema and has a unique ULID', () => {
    const all = rx.at('/hooks').map((r) => JSON.parse(r.body) as Delivered)
    for (const e of all) expect(EVENT_SCHEMAS[e.type].safeParse(e).success, `${e.type} matches its schema`).toBe(true)
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length)
    for (const e of all) expect(e.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  })
})
