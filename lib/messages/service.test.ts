import { proto } from '@whiskeysockets/baileys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findAccount, insertAccount } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import { createMessageSink } from '@/lib/sessions/message-sink'
import type { OutgoingContent } from '@/lib/whatsapp/outgoing'
import type { NumberCheck, WaSocket } from '@/lib/whatsapp/socket'
import { MessageService } from './service'
import type { MessageView } from './types'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews, toAccountSummary } from '@/lib/sessions/accounts'

const log = createLogger({ level: 'silent' })
const PEER = '15551234567'
const PEER_JID = `${PEER}@s.whatsapp.net`
const PEER_LID = '200000000000009@lid'

type Sent = { jid: string; content: OutgoingContent; messageId: string; quotedId?: string }

/** A connected account's socket that records what it was asked to send; `hold` keeps sends in flight. */
function fakeSocket() {
  const sent: Sent[] = []
  let release: (() => void) | undefined
  let held: Promise<void> | undefined
  const sock: WaSocket = {
    async send(jid, content, { messageId, quoted }) {
      if (held) await held
      sent.push({ jid, content, messageId, ...(quoted ? { quotedId: quoted.key.id } : {}) })
      return {
        waMessageId: messageId,
        jid,
        proto: Buffer.from(proto.Message.encode({ conversation: 'x' }).finish()),
        timestamp: Date.now(),
      }
    },
    reuploadMedia: () => Promise.reject(new Error('no media here')),
    mediaHosts: () => Promise.resolve([]),
    groupAdmins: () => Promise.resolve([]),
    async checkNumbers(phones): Promise<NumberCheck[]> {
      return phones.map((phone) => ({
        phone,
        exists: phone === PEER,
        jid: phone === PEER ? PEER_JID : null,
        lid: phone === PEER ? PEER_LID : null,
      }))
    },
    requestPairingCode: () => Promise.resolve(''),
    logout: () => Promise.resolve(),
    end: () => undefined,
    user: () => ({ jid: '15550000001:2@s.whatsapp.net', lid: null, name: null }),
  }
  return {
    sock,
    sent,
    hold() {
      held = new Promise((r) => (release = r))
    },
    release() {
      held = undefined
      release?.()
    },
  }
}

let db: DB
let close: () => void
let bus: EventBus
let clock: number
let connected: boolean
let fake: ReturnType<typeof fakeSocket>
let service: MessageService

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

beforeEach(() => {
  ;({ db, close } = tempDb())
  bus = new EventBus(log)
  insertAccount({ db, id: 'acc', name: 'Acc', onNews: recordAccountNews })
  insertAccount({ db, id: 'other', name: 'Other', onNews: recordAccountNews })
  clock = Date.now()
  connected = true
  fake = fakeSocket()
  service = new MessageService({
    db,
    bus,
    logger: log,
    now: () => clock,
    config: { pacing: { minGapMs: 0, perMinute: 0 }, restriction: { pauseAfter: 3, pauseMs: 60_000 }, idempotencyTtlMs: 86_400_000 },
    sessions: {
      get: (id) => {
        const row = findAccount({ db, id })
        if (!row) throw new AppError('not_found', `No account ${id}`)
        return toAccountSummary(row)
      },
      connectedSocket: (id) => (connected && id === 'acc' ? fake.sock : undefined),
    },
  })
  service.start()
})
afterEach(async () => {
  await service.stop()
  close()
})

const sendText = (body: string, extra: object = {}) =>
  service.send('acc', { to: '+1 555 123 4567', type: 'text', text: { body }, ...extra })

describe('sending', () => {
  it('accepts into the queue (202 shape), then sends; the stored message shows sent with both timestamps', async () => {
    const accepted = await sendText('hello')
    expect(accepted).toMatchObject({
      status: 'queued',
      direction: 'out',
      type: 'text',
      text: 'hello',
      chat: { jid: PEER_JID, phone: PEER },
    })
    expect(accepted.id).toMatch(/^msg_/)
    await until(() => fake.sent.length === 1, 'the send')
    expect(fake.sent[0]).toMatchObject({
      jid: PEER_JID,
      messageId: accepted.waMessageId,
      content: { kind: 'text', text: 'hello', linkPreview: null },
    })
    await until(() => service.get('acc', accepted.id).status === 'sent', 'sent')
    expect(service.get('acc', accepted.id).sentAt).toBeGreaterThan(0)
  })

  it('not connected: 503 not_connected and nothing stored', async () => {
    connected = false
    await expect(sendText('x')).rejects.toMatchObject({ code: 'not_connected', status: 503 })
    expect(service.list('acc').items).toHaveLength(0)
  })

  it('refuses a "to" that is no phone number, and unknown accounts', async () => {
    await expect(service.send('acc', { to: '+1 555', type: 'text', text: { body: 'x' } })).rejects.toMatchObject({
      code: 'validation_failed',
    })
    await expect(service.send('nope', { to: PEER, type: 'text', text: { body: 'x' } })).rejects.toMatchObject({ code: 'not_found' })
  })

  it('builds each kind: mentions as JIDs, a vCard per contact, a quoted reply, a reaction on its target', async () => {
    const first = await sendText('hi @15557654321', { text: { body: 'hi @15557654321', mentions: ['+1 555 765 4321'] } })
    await service.send('acc', {
      to: PEER_JID,
      type: 'location',
      location: { latitude: 1.5, longitude: -2.25, name: 'Here' },
      context: { messageId: first.id },
    })
    await service.send('acc', {
      to: PEER,
      type: 'contacts',
      contacts: [{ name: { formattedName: 'Dana' }, phones: [{ phone: '+1 555 010 0000', waId: '15550100000' }] }],
    })
    await service.send('acc', { to: PEER, type: 'reaction', reaction: { messageId: first.id, emoji: '👍' } })
    await until(() => fake.sent.length === 4, 'four sends')
    const [text, loc, cards, reaction] = fake.sent
    expect(text?.content).toEqual({ kind: 'text', text: 'hi @15557654321', mentions: ['15557654321@s.whatsapp.net'], linkPreview: null })
    expect(loc).toMatchObject({ content: { kind: 'location', latitude: 1.5, longitude: -2.25, name: 'Here' }, quotedId: first.waMessageId })
    expect(cards?.content).toMatchObject({ kind: 'contacts', displayName: 'Dana' })
    expect(cards?.content.kind === 'contacts' && cards.content.cards[0]?.vcard).toContain('TEL;type=CELL;waid=15550100000:+1 555 010 0000')
    expect(reaction?.content).toEqual({
      kind: 'reaction',
      target: { remoteJid: PEER_JID, fromMe: true, id: first.waMessageId },
      emoji: '👍',
    })
    const listed = service.list('acc', { type: ['location'] }).items[0]
    expect(listed?.context).toEqual({ messageId: first.id, waMessageId: first.waMessageId })
  })

  it('a link preview only when asked, and then without fetching anything (no address guard yet)', async () => {
    await sendText('see https://example.com/x')
    await sendText('see https://example.com/y', { text: { body: 'see https://example.com/y', previewUrl: true } })
    await until(() => fake.sent.length === 2, 'two sends')
    expect(fake.sent[0]?.content).toMatchObject({ linkPreview: null })
    expect(fake.sent[1]?.content).toMatchObject({ linkPreview: { url: 'https://example.com/y' } })
  })

  it('Idempotency-Key: 20 simultaneous duplicates create and send one message; another body with the key is refused', async () => {
    fake.hold()
    const answers = await Promise.all(Array.from({ length: 20 }, () => sendText('once', {}).then((m) => m)))
    const same = await Promise.all(
      Array.from({ length: 20 }, () => service.send('acc', { to: PEER, type: 'text', text: { body: 'keyed' } }, { idempotencyKey: 'k1' })),
    )
    expect(new Set(answers.map((a) => a.id)).size).toBe(20) // no key: 20 messages
    expect(new Set(same.map((a) => a.id)).size).toBe(1)
    fake.release()
    await until(() => fake.sent.length === 21, 'all sends')
    expect(fake.sent.filter((s) => s.content.kind === 'text' && s.content.text === 'keyed')).toHaveLength(1)
    await expect(
      service.send('acc', { to: PEER, type: 'text', text: { body: 'different' } }, { idempotencyKey: 'k1' }),
    ).rejects.toMatchObject({ code: 'idempotency_mismatch' })
    // after 24 hours the key is free again
    clock += 86_400_001
    const later = await service.send('acc', { to: PEER, type: 'text', text: { body: 'different' } }, { idempotencyKey: 'k1' })
    expect(later.id).not.toBe(same[0]?.id)
  })

  it('sends in the order accepted; a queued message can be cancelled and is never sent', async () => {
    fake.hold()
    const msgs: MessageView[] = []
    for (let i = 0; i < 5; i++) msgs.push(await sendText(`m${i}`))
    expect(service.cancel('acc', msgs[3]?.id ?? '').status).toBe('cancelled')
    fake.release()
    await until(() => fake.sent.length === 4, 'four sends')
    expect(fake.sent.map((s) => (s.content.kind === 'text' ? s.content.text : ''))).toEqual(['m0', 'm1', 'm2', 'm4'])
    expect(() => service.cancel('acc', msgs[0]?.id ?? '')).toThrow(expect.objectContaining({ code: 'not_cancellable' }))
  })

  it('a disconnect keeps the rest queued; they go out after the account is connected again', async () => {
    // accepted while connected; the connection drops while the first send is in flight
    fake.hold()
    const a = await sendText('a')
    const b = await sendText('b')
    connected = false
    fake.release()
    await until(() => service.get('acc', a.id).status !== 'pending', 'the in-flight send to settle')
    expect(service.queueStatus('acc').queued).toBeGreaterThanOrEqual(1)
    connected = true
    bus.emit('account.status', {
      accountId: 'acc',
      status: 'connected',
      reason: null,
      at: Date.now(),
      account: toAccountSummary(findAccount({ db, id: 'acc' })!),
    })
    await until(() => service.get('acc', b.id).status === 'sent', 'b sent after reconnect')
    expect(fake.sent.map((s) => (s.content.kind === 'text' ? s.content.text : ''))).toEqual(['a', 'b'])
  })

  it('queued rows written by an older version: the old shape is sent, an unreadable one fails with the reason, the queue goes on', async () => {
    // three messages wait behind one in flight, as they would across an upgrade
    fake.hold()
    await sendText('in flight')
    const old = await sendText('written before versioning')
    const broken = await sendText('written by a version this one cannot read')
    const damaged = await sendText('damaged')
    const current = await sendText('written by this version')
    const setRequest = (id: string, request: unknown) =>
      db.$client.prepare('UPDATE messages SET request = ? WHERE public_id = ?').run(JSON.stringify(request), id)
    const stored = (id: string) =>
      JSON.parse((db.$client.prepare('SELECT request FROM messages WHERE public_id = ?').get(id) as { request: string }).request) as {
        v?: number
        content: { text: string }
      }
    expect(stored(current.id)).toMatchObject({ v: 1, content: { kind: 'text', text: 'written by this version' } })
    // the shape of the column before it had a version
    setRequest(old.id, { content: { ...stored(old.id).content }, previewUrl: false })
    // a shape from a later (or broken) version: a kind this one does not know
    setRequest(broken.id, { v: 2, content: { kind: 'poll', question: 'Lunch?', options: ['yes', 'no'] } })
    // the current format, but a text without its text
    setRequest(damaged.id, { v: 1, content: { kind: 'text', mentions: [], linkPreview: null } })
    fake.release()
    await until(() => service.get('acc', current.id).status === 'sent', 'the queue to go on past the unreadable row')
    expect(fake.sent.map((x) => (x.content.kind === 'text' ? x.content.text : x.content.kind))).toEqual([
      'in flight',
      'written before versioning',
      'written by this version',
    ])
    expect(service.get('acc', broken.id)).toMatchObject({
      status: 'failed',
      statusReason: expect.stringMatching(/stored in format 2, which this version of the gateway does not read/) as unknown,
    })
    expect(service.get('acc', damaged.id)).toMatchObject({
      status: 'failed',
      statusReason: expect.stringMatching(/\(format 1\) cannot be read by this version of the gateway: content\.text/) as unknown,
    })
  })

  it('edit within 15 minutes and delete within 48 hours; clear errors outside', async () => {
    const m = await sendText('tpyo')
    await until(() => service.get('acc', m.id).status === 'sent', 'sent')
    const edited = await service.edit('acc', m.id, { text: 'typo' })
    expect(edited).toMatchObject({ text: 'typo', content: { text: { body: 'typo' } } })
    expect(edited.editedAt).not.toBeNull()
    expect(fake.sent.at(-1)?.content).toEqual({
      kind: 'edit',
      target: { remoteJid: PEER_JID, fromMe: true, id: m.waMessageId },
      text: 'typo',
    })
    clock += 16 * 60_000
    await expect(service.edit('acc', m.id, { text: 'late' })).rejects.toMatchObject({ code: 'edit_window_expired', status: 422 })
    const deleted = await service.delete('acc', m.id)
    expect(deleted).toMatchObject({ text: null })
    expect(deleted.deletedAt).not.toBeNull()
    const old = await sendText('old')
    await until(() => service.get('acc', old.id).status === 'sent', 'sent')
    clock += 49 * 3_600_000
    await expect(service.delete('acc', old.id)).rejects.toMatchObject({ code: 'delete_window_expired' })
  })

  it('editing a queued message changes what goes out; deleting a queued one cancels it', async () => {
    fake.hold()
    await sendText('blocker')
    const q = await sendText('draft')
    const gone = await sendText('never')
    expect((await service.edit('acc', q.id, { text: 'final' })).text).toBe('final')
    expect((await service.delete('acc', gone.id)).status).toBe('cancelled')
    fake.release()
    await until(() => fake.sent.length === 2, 'two sends')
    expect(fake.sent.map((s) => (s.content.kind === 'text' ? s.content.text : ''))).toEqual(['blocker', 'final'])
  })
})

describe('restrictions', () => {
  it('a 463 fails the message with the code; three in a row pause the queue and say so; resume clears it', async () => {
    const sink = createMessageSink({ db, bus, accountId: 'acc', log })
    const refuse = async (body: string) => {
      const m = await sendText(body)
      await until(() => service.get('acc', m.id).status === 'sent', 'sent')
      sink.updateStatuses([
        {
          key: { remoteJid: PEER_JID, id: m.waMessageId, fromMe: true },
          update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['463'] },
        },
      ])
      return service.get('acc', m.id)
    }
    const first = await refuse('r1')
    expect(first).toMatchObject({ status: 'failed', errorCode: 463 })
    expect(first.statusReason).toMatch(/463/)
    await refuse('r2')
    expect(service.queueStatus('acc').paused).toBe(false)
    await refuse('r3')
    const status = service.queueStatus('acc')
    expect(status).toMatchObject({ paused: true, restrictions: 3 })
    expect(status.reason).toMatch(/463/)
    const held = await sendText('held back')
    // An unpaused queue claims the row inside the send itself (the loop runs up to its first await
    // when kicked) and the fake socket answers within a few microtasks, as the resume below shows:
    // 50 ms, dozens of turns of the loop, would have shown 'sent'.
    await new Promise((r) => setTimeout(r, 50))
    expect(service.get('acc', held.id).status).toBe('queued')
    expect(service.resume('acc').paused).toBe(false)
    await until(() => service.get('acc', held.id).status === 'sent', 'sent after resume')
  })
})

describe('the log', () => {
  const incoming = (id: string, remoteJid: string, remoteJidAlt: string | undefined, message: proto.IMessage, t: number) => ({
    key: { remoteJid, remoteJidAlt, id, fromMe: false },
    message,
    messageTimestamp: t,
    pushName: 'Peer',
  })

  it('one chat per contact whichever address a message used; both forms on every message; reactions, edits, deletes update their target', async () => {
    const sink = createMessageSink({ db, bus, accountId: 'acc', log })
    const t = Math.floor(Date.now() / 1000) - 60
    sink.store([incoming('IN1', PEER_LID, undefined, { conversation: 'via lid' }, t)])
    sink.store([incoming('IN2', PEER_JID, PEER_LID, { conversation: 'via phone' }, t + 1)])
    sink.store([incoming('IN3', PEER_LID, PEER_JID, { extendedTextMessage: { text: 'reply', contextInfo: { stanzaId: 'IN1' } } }, t + 2)])
    const chats = service.listChats('acc').items
    expect(chats).toHaveLength(1)
    expect(chats[0]).toMatchObject({
      jid: PEER_JID,
      phone: PEER,
      lid: PEER_LID,
      name: 'Peer',
      unreadCount: 3,
      lastMessage: { text: 'reply' },
    })
    const all = service.list('acc').items
    expect(all.map((m) => m.text)).toEqual(['reply', 'via phone', 'via lid'])
    expect(all.every((m) => m.chat.phone === PEER && m.chat.lid === PEER_LID)).toBe(true)
    expect(all[0]?.context).toMatchObject({ waMessageId: 'IN1', messageId: all[2]?.id })
    // the API finds the chat by either form
    expect(service.list('acc', { chat: PEER_LID }).items).toHaveLength(3)
    expect(service.list('acc', { chat: '+1 555 123 4567' }).items).toHaveLength(3)

    sink.store([incoming('R1', PEER_LID, PEER_JID, { reactionMessage: { key: { id: 'IN2', remoteJid: PEER_JID }, text: '🎉' } }, t + 3)])
    sink.store([
      incoming(
        'E1',
        PEER_JID,
        undefined,
        {
          protocolMessage: {
            type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
            key: { id: 'IN1' },
            editedMessage: { conversation: 'edited' },
          },
        },
        t + 4,
      ),
    ])
    sink.store([
      incoming(
        'D1',
        PEER_JID,
        undefined,
        { protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE, key: { id: 'IN3' } } },
        t + 5,
      ),
    ])
    const byWa = new Map(service.list('acc').items.map((m) => [m.waMessageId, m]))
    expect(byWa.get('IN2')?.reactions).toEqual([{ from: PEER_LID, emoji: '🎉', at: (t + 3) * 1000 }])
    expect(byWa.get('R1')).toMatchObject({ type: 'reaction', content: { reaction: { emoji: '🎉' } } })
    expect(byWa.get('IN1')).toMatchObject({ text: 'edited' })
    expect(byWa.get('IN3')).toMatchObject({ text: null })
    expect(byWa.get('IN3')?.deletedAt).not.toBeNull()
    expect(byWa.has('E1') || byWa.has('D1')).toBe(false)
    // a replay does not duplicate, and a reply from us clears the unread count
    sink.store([incoming('IN2', PEER_JID, PEER_LID, { conversation: 'via phone' }, t + 1)])
    expect(service.list('acc').items).toHaveLength(4)
    await sendText('answer')
    expect(service.listChats('acc').items[0]).toMatchObject({ unreadCount: 0, lastMessage: { text: 'answer' } })
  })

  it('filters and cursor pagination, newest first; other accounts see nothing', async () => {
    const sink = createMessageSink({ db, bus, accountId: 'acc', log })
    const t = Math.floor(Date.now() / 1000) - 100
    sink.store(Array.from({ length: 7 }, (_, i) => incoming(`P${i}`, PEER_JID, undefined, { conversation: `p${i}` }, t + i)))
    const page1 = service.list('acc', { limit: 3 })
    expect(page1.items.map((m) => m.text)).toEqual(['p6', 'p5', 'p4'])
    const page2 = service.list('acc', { limit: 3, cursor: page1.nextCursor ?? '' })
    expect(page2.items.map((m) => m.text)).toEqual(['p3', 'p2', 'p1'])
    const page3 = service.list('acc', { limit: 3, cursor: page2.nextCursor ?? '' })
    expect(page3).toEqual({ items: [expect.objectContaining({ text: 'p0' })], nextCursor: null })
    expect(service.list('acc', { since: (t + 5) * 1000 }).items.map((m) => m.text)).toEqual(['p6', 'p5'])
    expect(service.list('acc', { direction: 'out' }).items).toHaveLength(0)
    expect(service.list('acc', { status: ['received'], type: ['text'] }).items).toHaveLength(7)
    expect(service.list('other').items).toHaveLength(0)
    expect(() => service.get('other', page1.items[0]?.id ?? '')).toThrow(expect.objectContaining({ code: 'not_found' }))
    expect(() => service.list('acc', { cursor: 'garbage' })).toThrow(expect.objectContaining({ code: 'validation_failed' }))
  })

  it('number checks: registered with JID and LID, unregistered, impossible; at most 50', async () => {
    const result = await service.checkNumbers('acc', ['+1 555 123 4567', '+1 555 999 0000', 'nope'])
    expect(result).toEqual([
      { input: '+1 555 123 4567', phone: PEER, exists: true, jid: PEER_JID, lid: PEER_LID },
      { input: '+1 555 999 0000', phone: '15559990000', exists: false, jid: null, lid: null },
      { input: 'nope', phone: null, exists: false, jid: null, lid: null },
    ])
    await expect(
      service.checkNumbers(
        'acc',
        Array.from({ length: 51 }, () => PEER),
      ),
    ).rejects.toMatchObject({ code: 'validation_failed' })
  })
})
