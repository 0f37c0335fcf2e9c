import { proto, USyncQuery, USyncUser, type WAMessage } from '@whiskeysockets/baileys'
import { describe, expect, it } from 'vitest'
import { startSimulator } from './index'
import { linkedSimulator } from './testing/fixture'
import { type LinkedClient, linkWithQr } from './testing/link'
import { ClientTracker } from './testing/tracker'

const ALICE = '15550301' // linked companion (the gateway's place)
const BOB = '15550302' // simulated contact
const CAROL = '15550303'
const bobJid = `${BOB}@s.whatsapp.net`

describe('every non-media kind through the simulator, both ways', () => {
  // what Alice sent, for Baileys' getMessage (a retry receipt makes it send a message again)
  const sentByAlice = new Map<string, proto.IMessage>()
  const fx = linkedSimulator({
    users: { [ALICE]: 'Alice', [BOB]: 'Bob', [CAROL]: 'Carol' },
    link: ALICE,
    config: { getMessage: async (key) => (key.id ? sentByAlice.get(key.id) : undefined) },
  })
  const send = async (content: Parameters<LinkedClient['client']['sock']['sendMessage']>[1], opts = {}) => {
    const msg = await fx.linked.client.sock.sendMessage(bobJid, content, opts)
    if (!msg?.key.id || !msg.message) throw new Error('sendMessage returned nothing')
    sentByAlice.set(msg.key.id, msg.message)
    return msg
  }
  const inboxOf = (id: string) => fx.sim.waitForInbox(BOB, (e) => e.id === id)
  const received = async (id: string): Promise<WAMessage> => (await fx.linked.client.waitForMessage((m) => m.message.key.id === id)).message

  it('the contact records a text with mentions, a reply (quoted id), a location and contact cards exactly', async () => {
    const first = await send({ text: 'hello @15550303', mentions: [`${CAROL}@s.whatsapp.net`] })
    expect(await inboxOf(first.key.id ?? '')).toMatchObject({
      type: 'text',
      text: 'hello @15550303',
      mentions: [`${CAROL}@s.whatsapp.net`],
    })

    const loc = await send(
      { location: { degreesLatitude: 52.52, degreesLongitude: 13.405, name: 'Berlin', address: 'Pariser Platz' } },
      { quoted: first },
    )
    expect(await inboxOf(loc.key.id ?? '')).toMatchObject({
      type: 'location',
      location: { latitude: 52.52, longitude: 13.405, name: 'Berlin', address: 'Pariser Platz' },
      quotedId: first.key.id,
    })

    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Dana Doe\nTEL;type=CELL;waid=15550999:+1 555 0999\nEND:VCARD'
    const cards = await send({
      contacts: {
        displayName: '2 contacts',
        contacts: [
          { displayName: 'Dana Doe', vcard },
          { displayName: 'Eve', vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nTEL:+44 20 7946 0000\nEND:VCARD' },
        ],
      },
    })
    const entry = await inboxOf(cards.key.id ?? '')
    expect(entry.type).toBe('contacts')
    expect(entry.contacts).toEqual([
      { displayName: 'Dana Doe', name: 'Dana Doe', phones: [{ number: '+1 555 0999', waId: '15550999' }], vcard },
      expect.objectContaining({ displayName: 'Eve', name: 'Eve', phones: [{ number: '+44 20 7946 0000', waId: undefined }] }),
    ])
  })

  it('the contact records a reaction with its target, an edit and a delete of earlier messages', async () => {
    const original = await send({ text: 'tpyo' })
    const id = original.key.id ?? ''
    await inboxOf(id)
    const reaction = await send({ react: { key: original.key, text: '👍' } })
    expect(await inboxOf(reaction.key.id ?? '')).toMatchObject({
      type: 'reaction',
      reaction: { targetId: id, emoji: '👍', targetFromMe: true },
    })
    const edit = await send({ text: 'typo', edit: original.key })
    expect(await inboxOf(edit.key.id ?? '')).toMatchObject({ type: 'edit', edit: { targetId: id, text: 'typo' } })
    expect(fx.sim.inbox(BOB).find((e) => e.id === id)).toMatchObject({ text: 'tpyo', editedText: 'typo' })
    const del = await send({ delete: original.key })
    expect(await inboxOf(del.key.id ?? '')).toMatchObject({ type: 'delete', revoke: { targetId: id } })
    expect(fx.sim.inbox(BOB).find((e) => e.id === id)?.deleted).toBe(true)
  })

  it('a contact sends each kind; the companion receives every field', async () => {
    const text = await fx.sim.sendMessage(BOB, { type: 'text', to: ALICE, text: 'hi @15550303', mentions: [CAROL] })
    const gotText = await received(text.id)
    expect(gotText.message?.extendedTextMessage).toMatchObject({
      text: 'hi @15550303',
      contextInfo: { mentionedJid: [`${CAROL}@s.whatsapp.net`] },
    })

    const loc = await fx.sim.sendMessage(BOB, {
      type: 'location',
      to: ALICE,
      latitude: -33.8568,
      longitude: 151.2153,
      name: 'Opera',
      address: 'Sydney',
      quotedId: text.id,
    })
    const gotLoc = (await received(loc.id)).message?.locationMessage
    expect(gotLoc).toMatchObject({ degreesLatitude: -33.8568, degreesLongitude: 151.2153, name: 'Opera', address: 'Sydney' })
    expect(gotLoc?.contextInfo).toMatchObject({ stanzaId: text.id, participant: bobJid })

    const card = await fx.sim.sendMessage(BOB, { type: 'contacts', to: ALICE, contacts: [{ name: 'Zed', phones: ['+15550777'] }] })
    const gotCard = (await received(card.id)).message?.contactMessage
    expect(gotCard?.displayName).toBe('Zed')
    expect(gotCard?.vcard).toContain('TEL;type=CELL;waid=15550777:+15550777')

    const mine = await send({ text: 'react to me' })
    await inboxOf(mine.key.id ?? '')
    const react = await fx.sim.sendMessage(BOB, { type: 'reaction', to: ALICE, targetId: mine.key.id ?? '', emoji: '❤️' })
    // Baileys turns the key around on receipt: the target is the companion's own message
    expect((await received(react.id)).message?.reactionMessage).toMatchObject({ text: '❤️', key: { id: mine.key.id, fromMe: true } })

    const edit = await fx.sim.sendMessage(BOB, { type: 'edit', to: ALICE, targetId: text.id, text: 'hi everyone' })
    const gotEdit = (await received(edit.id)).message?.protocolMessage
    expect(gotEdit).toMatchObject({
      type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
      key: { id: text.id },
      editedMessage: { conversation: 'hi everyone' },
    })

    const del = await fx.sim.sendMessage(BOB, { type: 'delete', to: ALICE, targetId: loc.id })
    expect((await received(del.id)).message?.protocolMessage).toMatchObject({
      type: proto.Message.ProtocolMessage.Type.REVOKE,
      key: { id: loc.id },
    })

    await expect(fx.sim.sendMessage(BOB, { type: 'edit', to: ALICE, targetId: mine.key.id ?? '', text: 'x' })).rejects.toMatchObject({
      code: 'conflict',
    })
    await expect(fx.sim.sendMessage(BOB, { type: 'reaction', to: ALICE, targetId: 'NOPE', emoji: '👍' })).rejects.toMatchObject({
      code: 'unknown_message',
    })
  })

  it('played and retry receipts on demand: status PLAYED; the companion sends the message again from getMessage', async () => {
    const msg = await send({ text: 'listen' })
    const id = msg.key.id ?? ''
    await inboxOf(id)
    fx.sim.sendReceipt(BOB, id, 'played')
    expect((await fx.linked.client.waitForStatus(id, proto.WebMessageInfo.Status.PLAYED)).status).toBe(proto.WebMessageInfo.Status.PLAYED)
    fx.sim.sendReceipt(BOB, id, 'retry')
    await expect.poll(() => fx.sim.inbox(BOB).find((e) => e.id === id)?.resent, { timeout: 10_000 }).toBe(1)
    expect(() => fx.sim.sendReceipt(BOB, 'NOPE', 'read')).toThrow(expect.objectContaining({ code: 'unknown_message' }))
  })

  it('number checks: registered users exist (with their LID), other numbers do not', async () => {
    const query = new USyncQuery().withContactProtocol().withLIDProtocol()
    for (const p of [BOB, '19995550000', CAROL]) query.withUser(new USyncUser().withPhone(`+${p}`))
    const result = await fx.linked.client.sock.executeUSyncQuery(query)
    const byJid = new Map(result?.list.map((r) => [r.id, r]))
    expect(byJid.get(bobJid)?.contact).toBe(true)
    expect(byJid.get(bobJid)?.lid).toMatch(/@lid$/)
    expect(byJid.get(`${CAROL}@s.whatsapp.net`)).toMatchObject({ contact: true })
    expect(byJid.get('19995550000@s.whatsapp.net')).toMatchObject({ contact: false })
    expect(byJid.get('19995550000@s.whatsapp.net')?.lid).toBeUndefined()
  })

  it('admin API: a contact sends a kind by type; receipts on demand; errors for unknown ids and bad input', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${fx.sim.adminUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, json: (await res.json()) as { id?: string; error?: { code: string } } }
    }
    const sent = await post(`/users/${BOB}/messages`, { type: 'location', to: ALICE, latitude: 1.5, longitude: 2.5 })
    expect(sent.status).toBe(201)
    expect((await received(sent.json.id ?? '')).message?.locationMessage).toMatchObject({ degreesLatitude: 1.5, degreesLongitude: 2.5 })
    const bad = await post(`/users/${BOB}/messages`, { type: 'sticker', to: ALICE })
    expect([bad.status, bad.json.error?.code]).toEqual([422, 'invalid_input'])
    const unknown = await post(`/users/${BOB}/messages`, { type: 'delete', to: ALICE, targetId: 'NOPE' })
    expect([unknown.status, unknown.json.error?.code]).toEqual([404, 'unknown_message'])
    const mine = await send({ text: 'receipt via http' })
    await inboxOf(mine.key.id ?? '')
    expect(await post(`/users/${BOB}/inbox/${mine.key.id ?? ''}/receipt`, { type: 'read' })).toMatchObject({
      status: 200,
      json: { to: ALICE },
    })
    expect((await fx.linked.client.waitForStatus(mine.key.id ?? '', proto.WebMessageInfo.Status.READ)).status).toBeGreaterThanOrEqual(4)
    const noMsg = await post(`/users/${BOB}/inbox/NOPE/receipt`, { type: 'played' })
    expect([noMsg.status, noMsg.json.error?.code]).toEqual([404, 'unknown_message'])
  })
})

describe('refusals on demand', () => {
  it('ack errors: the next N messages get <ack error=463>, Baileys marks them ERROR with the code; then delivery resumes', async () => {
    const sim = await startSimulator({ port: 0 })
    const clients = new ClientTracker()
    try {
      sim.createUser({ phone: '15550311', name: 'Restricted' })
      sim.createUser({ phone: '15550312', name: 'Peer' })
      const linked = await linkWithQr(sim, '15550311')
      clients.track(linked.client)
      const refusedUpdates: string[] = []
      linked.client.sock.ev.on('messages.update', (list) => {
        for (const { key, update } of list) {
          const params = (update.messageStubParameters ?? []) as unknown[]
          if (update.status === proto.WebMessageInfo.Status.ERROR) refusedUpdates.push(`${key.id}:${String(params[0])}`)
        }
      })
      expect(sim.setAckErrors('15550311', { code: 463, count: 1 })).toEqual({ code: 463, remaining: 1 })
      const refused = await linked.client.sock.sendMessage('15550312@s.whatsapp.net', { text: 'blocked' })
      await expect.poll(() => refusedUpdates, { timeout: 5_000 }).toContain(`${refused?.key.id}:463`)
      expect(sim.inbox('15550312')).toHaveLength(0)
      const ok = await linked.client.sock.sendMessage('15550312@s.whatsapp.net', { text: 'through' })
      await sim.waitForInbox('15550312', (e) => e.id === ok?.key.id)
      expect(sim.stats().messages.refused).toBe(1)
    } finally {
      await clients.endAll()
      await sim.close()
    }
  })
})
