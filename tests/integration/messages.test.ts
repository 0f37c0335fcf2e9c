import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '@/lib/errors'
import type { MessageService } from '@/lib/messages/service'
import type { MessageView } from '@/lib/messages/types'
import { createHarness, type Harness, linkByQr, until } from '../support/gateway-harness'

/**
 * Every non-media kind through the message service, real Baileys and the simulator: what the API
 * sends arrives at the contact's phone with every field, and what the contact sends lands in the log
 * with every field.
 */
const SHOP = '4915100000001' // the account's phone
const ANN = '15551234567' // a contact
const BEN = '15557654321' // another contact (mentioned)
const ANN_JID = `${ANN}@s.whatsapp.net`

let h: Harness
let messages: MessageService

const sentOk = (m: MessageView) =>
  until(
    () => ['sent', 'delivered', 'read'].includes(messages.get('shop', m.id).status) && messages.get('shop', m.id),
    10_000,
    `${m.id} sent`,
  )
const inboxOf = (m: MessageView) => h.sim.waitForInbox(ANN, (e) => e.id === m.waMessageId)
const logged = (waId: string) =>
  until(() => messages.list('shop', { direction: 'in' }).items.find((m) => m.waMessageId === waId), 10_000, `message ${waId} in the log`)

beforeAll(async () => {
  h = await createHarness()
  h.sim.createUser({ phone: ANN, name: 'Ann' })
  h.sim.createUser({ phone: BEN, name: 'Ben' })
  await linkByQr(h, 'shop', SHOP)
  messages = h.gw.messages
})
afterAll(async () => {
  await h.close()
})

describe('API → Baileys → the contact, each kind', () => {
  it('text with a mention, a reply with a location, contact cards, a reaction, an edit and a delete arrive exactly', async () => {
    const text = await messages.send('shop', { to: '+1 555 123 4567', type: 'text', text: { body: `hi @${BEN}`, mentions: [`+${BEN}`] } })
    expect(text).toMatchObject({ status: 'queued', chat: { phone: ANN, jid: ANN_JID } })
    expect(await inboxOf(text)).toMatchObject({ type: 'text', text: `hi @${BEN}`, mentions: [`${BEN}@s.whatsapp.net`] })
    expect((await sentOk(text)).sentAt).not.toBeNull()

    const loc = await messages.send('shop', {
      to: ANN_JID,
      type: 'location',
      location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel', address: 'Champ de Mars' },
      context: { messageId: text.id },
    })
    expect(await inboxOf(loc)).toMatchObject({
      type: 'location',
      location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel', address: 'Champ de Mars' },
      quotedId: text.waMessageId,
    })

    const cards = await messages.send('shop', {
      to: ANN,
      type: 'contacts',
      contacts: [
        {
          name: { formattedName: 'Dana Doe', firstName: 'Dana', lastName: 'Doe' },
          phones: [{ phone: '+1 555 010 0000', type: 'cell', waId: '15550100000' }],
        },
        { name: { formattedName: 'Eve' }, phones: [{ phone: '+44 20 7946 0000', type: 'work' }], org: { company: 'Acme' } },
      ],
    })
    const cardEntry = await inboxOf(cards)
    expect(cardEntry.contacts?.map((c) => ({ displayName: c.displayName, name: c.name, phones: c.phones }))).toEqual([
      { displayName: 'Dana Doe', name: 'Dana Doe', phones: [{ number: '+1 555 010 0000', waId: '15550100000' }] },
      { displayName: 'Eve', name: 'Eve', phones: [{ number: '+44 20 7946 0000', waId: undefined }] },
    ])

    const reaction = await messages.send('shop', { to: ANN, type: 'reaction', reaction: { messageId: text.id, emoji: '🔥' } })
    expect(await inboxOf(reaction)).toMatchObject({
      type: 'reaction',
      reaction: { targetId: text.waMessageId, emoji: '🔥', targetFromMe: true },
    })

    const edited = await messages.edit('shop', text.id, { text: `hello @${BEN}` })
    expect(edited).toMatchObject({ text: `hello @${BEN}` })
    await until(() => h.sim.inbox(ANN).find((e) => e.id === text.waMessageId)?.editedText, 10_000, 'the edit at the contact')
    expect(h.sim.inbox(ANN).find((e) => e.id === text.waMessageId)?.editedText).toBe(`hello @${BEN}`)

    await messages.delete('shop', loc.id)
    await until(() => h.sim.inbox(ANN).find((e) => e.id === loc.waMessageId)?.deleted, 10_000, 'the delete at the contact')
    expect(messages.get('shop', loc.id).deletedAt).not.toBeNull()

    const preview = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'see https://example.org/a', previewUrl: true } })
    expect((await inboxOf(preview)).linkPreview).toEqual({ url: 'https://example.org/a', title: 'https://example.org/a' })
    const plain = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'no preview https://example.org/b' } })
    expect((await inboxOf(plain)).linkPreview).toBeUndefined()

    // receipts move the status forward
    await until(() => messages.get('shop', plain.id).status === 'delivered', 10_000, 'delivered')
  })

  it('played and retry receipts: status played; a retry is answered from the stored message (getMessage)', async () => {
    const m = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'voice-ish' } })
    await inboxOf(m)
    h.sim.sendReceipt(ANN, m.waMessageId, 'played')
    await until(() => messages.get('shop', m.id).status === 'played', 10_000, 'played')
    expect(messages.get('shop', m.id).readAt).not.toBeNull()
    h.sim.sendReceipt(ANN, m.waMessageId, 'retry')
    await until(() => h.sim.inbox(ANN).find((e) => e.id === m.waMessageId)?.resent, 10_000, 'the re-send')
    expect(h.sim.inbox(ANN).filter((e) => e.id === m.waMessageId)).toEqual([expect.objectContaining({ text: 'voice-ish', resent: 1 })])
  })

  it('an account that is not connected: 503 not_connected, nothing stored', async () => {
    h.manager.create({ id: 'idle', name: 'Idle' })
    await expect(messages.send('idle', { to: ANN, type: 'text', text: { body: 'x' } })).rejects.toSatisfy(
      (e: unknown) => e instanceof AppError && e.code === 'not_connected' && e.status === 503,
    )
    expect(messages.list('idle').items).toHaveLength(0)
  })
})

describe('the contact → Baileys → the log, each kind', () => {
  it('text with mentions, a located reply, a contact card, a reaction, an edit and a delete, with both address forms', async () => {
    const mine = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'react to this' } })
    await inboxOf(mine)

    const t = await h.sim.sendMessage(ANN, { type: 'text', to: SHOP, text: `ping @${BEN}`, mentions: [BEN] })
    const text = await logged(t.id)
    expect(text).toMatchObject({
      type: 'text',
      text: `ping @${BEN}`,
      content: { text: { body: `ping @${BEN}`, mentions: [`${BEN}@s.whatsapp.net`] } },
    })
    expect(text.chat).toMatchObject({ jid: ANN_JID, phone: ANN, name: 'Ann' })
    expect(text.chat.lid).toMatch(/@lid$/)
    expect(text.from).toBe(ANN_JID)

    const l = await h.sim.sendMessage(ANN, {
      type: 'location',
      to: SHOP,
      latitude: -22.9519,
      longitude: -43.2105,
      name: 'Cristo',
      quotedId: mine.waMessageId,
    })
    expect(await logged(l.id)).toMatchObject({
      type: 'location',
      content: { location: { latitude: -22.9519, longitude: -43.2105, name: 'Cristo' } },
      context: { messageId: mine.id, waMessageId: mine.waMessageId },
    })

    const c = await h.sim.sendMessage(ANN, { type: 'contacts', to: SHOP, contacts: [{ name: 'Zed', phones: ['+15550777000'] }] })
    expect(await logged(c.id)).toMatchObject({
      type: 'contacts',
      content: { contacts: [{ name: { formattedName: 'Zed' }, phones: [{ phone: '+15550777000', waId: '15550777000', type: 'cell' }] }] },
    })

    const r = await h.sim.sendMessage(ANN, { type: 'reaction', to: SHOP, targetId: mine.waMessageId, emoji: '❤️' })
    await logged(r.id)
    expect(messages.get('shop', mine.id).reactions).toEqual([expect.objectContaining({ from: ANN_JID, emoji: '❤️' })])

    await h.sim.sendMessage(ANN, { type: 'edit', to: SHOP, targetId: t.id, text: 'pong' })
    await until(() => messages.get('shop', text.id).editedAt ?? undefined, 10_000, 'the edit in the log')
    expect(messages.get('shop', text.id)).toMatchObject({ text: 'pong', content: { text: { body: 'pong' } } })

    await h.sim.sendMessage(ANN, { type: 'delete', to: SHOP, targetId: l.id })
    await until(() => messages.get('shop', l.id).deletedAt ?? undefined, 10_000, 'the delete in the log')

    const chats = messages.listChats('shop').items
    expect(chats.filter((ch) => ch.phone === ANN)).toHaveLength(1)
    expect(chats.find((ch) => ch.phone === ANN)).toMatchObject({ lid: text.chat.lid, name: 'Ann' })
    // the API finds the chat under either form
    const byLid = messages.list('shop', { chat: text.chat.lid ?? '' }).items
    expect(byLid.length).toBe(messages.list('shop', { chat: `+${ANN}` }).items.length)
    expect(byLid.length).toBeGreaterThan(5)
  })
})

describe('idempotency, number checks and restrictions through the simulator', () => {
  it('20 simultaneous requests with one Idempotency-Key: one message, sent once', async () => {
    const before = h.sim.inbox(BEN).length
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        messages.send('shop', { to: BEN, type: 'text', text: { body: 'exactly once' } }, { idempotencyKey: 'order-42' }),
      ),
    )
    expect(new Set(answers.map((a) => a.id)).size).toBe(1)
    const first = answers[0]!
    await h.sim.waitForInbox(BEN, (e) => e.id === first.waMessageId)
    // a later marker proves nothing else was on its way
    const marker = await messages.send('shop', { to: BEN, type: 'text', text: { body: 'marker' } })
    await h.sim.waitForInbox(BEN, (e) => e.id === marker.waMessageId)
    expect(
      h.sim
        .inbox(BEN)
        .slice(before)
        .map((e) => e.text),
    ).toEqual(['exactly once', 'marker'])
    expect(messages.list('shop', { chat: BEN }).items.filter((m) => m.text === 'exactly once')).toHaveLength(1)
  })

  it('number check: registered numbers with JID and LID, unregistered ones, impossible input', async () => {
    const result = await messages.checkNumbers('shop', [`+${ANN}`, '+1 555 999 0000', `+${BEN}`, 'not a number'])
    expect(result[0]).toMatchObject({ input: `+${ANN}`, phone: ANN, exists: true, jid: ANN_JID })
    expect(result[0]?.lid).toMatch(/@lid$/)
    expect(result[1]).toEqual({ input: '+1 555 999 0000', phone: '15559990000', exists: false, jid: null, lid: null })
    expect(result[2]).toMatchObject({ exists: true, jid: `${BEN}@s.whatsapp.net` })
    expect(result[3]).toEqual({ input: 'not a number', phone: null, exists: false, jid: null, lid: null })
  })

  it('463 from WhatsApp: failed with the code; repeated, the queue pauses and says so', async () => {
    h.sim.setAckErrors(SHOP, { code: 463, count: 2 })
    const a = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'restricted 1' } })
    await until(() => messages.get('shop', a.id).errorCode ?? undefined, 10_000, 'failed with a code')
    const failed = messages.get('shop', a.id)
    expect(failed, JSON.stringify(failed)).toMatchObject({ status: 'failed', errorCode: 463 })
    const b = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'restricted 2' } })
    await until(() => messages.get('shop', b.id).errorCode ?? undefined, 10_000, 'failed with a code')
    await until(() => messages.queueStatus('shop').paused, 5_000, 'paused')
    expect(messages.queueStatus('shop').reason).toMatch(/463/)
    const held = await messages.send('shop', { to: ANN, type: 'text', text: { body: 'after the pause' } })
    expect(messages.get('shop', held.id).status).toBe('queued')
    messages.resume('shop')
    await h.sim.waitForInbox(ANN, (e) => e.id === held.waMessageId)
  })
})
