import { proto, type WAMessage } from '@whiskeysockets/baileys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DB } from '@/lib/db/client'
import { journalDecrypt, listJournal } from '@/lib/db/inbound-journal'
import { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import { createMessageSink } from './message-sink'
import { tempDb } from '../../tests/support/temp-db'

const logger = createLogger({ level: 'silent' })
let db: DB
let close: () => void
beforeEach(() => {
  ;({ db, close } = tempDb())
  db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run('a1', 'a1')
})
afterEach(() => close())

const CONTACT = '15550000201@s.whatsapp.net'
const journal = (id: string) =>
  journalDecrypt(db, 'a1', { waMessageId: id, stanza: Buffer.from('s'), part: 0, plaintext: Buffer.from('p') })
const text = (id: string, body: string): WAMessage => ({
  key: { remoteJid: CONTACT, id, fromMe: false },
  message: { conversation: body },
  messageTimestamp: 1790000000,
})
const stub = (id: string): WAMessage => ({
  key: { remoteJid: CONTACT, id, fromMe: false },
  messageStubType: proto.WebMessageInfo.StubType.CIPHERTEXT,
  messageStubParameters: ['Key used already or never filled'],
  messageTimestamp: 1790000000,
})
const count = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n

describe('message sink and the decrypt journal', () => {
  it('storing a message deletes its journal rows with the same commit; a message the log does not keep resolves its rows too', () => {
    const sink = createMessageSink({ db, bus: new EventBus(logger), accountId: 'a1', log: logger })
    journal('M1')
    journal('P1')
    journal('OTHER')
    sink.store([
      text('M1', 'hello'),
      {
        key: { remoteJid: CONTACT, id: 'P1', fromMe: false },
        message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE } },
      },
    ])
    expect(count(`select count(*) as n from messages where wa_message_id = 'M1'`)).toBe(1)
    expect(count(`select count(*) as n from events where type = 'message.received'`)).toBe(1)
    expect(listJournal(db, 'a1').map((r) => r.waMessageId)).toEqual(['OTHER'])
  })

  it('a copy that failed to decrypt resolves nothing; the replayed message stores once and resolves its rows', () => {
    const sink = createMessageSink({ db, bus: new EventBus(logger), accountId: 'a1', log: logger })
    journal('M2')
    sink.store([stub('M2')])
    expect(listJournal(db, 'a1').map((r) => r.waMessageId)).toEqual(['M2'])
    expect(count(`select count(*) as n from messages`)).toBe(0)

    sink.store([text('M2', 'kept')], { replayed: true })
    sink.store([text('M2', 'kept')], { replayed: true })
    expect(listJournal(db, 'a1')).toEqual([])
    expect(count(`select count(*) as n from messages where wa_message_id = 'M2' and text = 'kept'`)).toBe(1)
    expect(count(`select count(*) as n from events where type = 'message.received'`)).toBe(1)
  })

  it('a failed store keeps the journal rows (rolled back with the message)', () => {
    const sink = createMessageSink({ db, bus: new EventBus(logger), accountId: 'a1', log: logger })
    journal('M3')
    db.$client.exec(`create trigger no_messages before insert on messages begin select raise(abort, 'disk full'); end`)
    sink.store([text('M3', 'x')])
    expect(listJournal(db, 'a1').map((r) => r.waMessageId)).toEqual(['M3'])
  })
})

describe('deletes in groups', () => {
  const GROUP = '120363000000000001@g.us'
  const AUTHOR = '15550000301@s.whatsapp.net'
  const ADMIN = '15550000302@s.whatsapp.net'
  const MEMBER = '15550000303@s.whatsapp.net'
  const groupText = (id: string, from: string, body: string): WAMessage => ({
    key: { remoteJid: GROUP, id, fromMe: false, participant: from },
    message: { conversation: body },
    messageTimestamp: 1790000000,
  })
  const revoke = (id: string, from: string, target: string): WAMessage => ({
    key: { remoteJid: GROUP, id, fromMe: false, participant: from },
    message: {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.REVOKE,
        key: { remoteJid: GROUP, id: target, fromMe: false, participant: AUTHOR },
      },
    },
    messageTimestamp: 1790000001,
  })
  /** Every admin check's answer given so far. */
  let answers: Promise<boolean>[] = []
  beforeEach(() => {
    answers = []
  })
  /**
   * Resolves once the sink has acted on every answer: it applies (or drops) a delete in the
   * continuations of the answer's promise, with no further waiting, and all pending continuations
   * run before the next macrotask (setImmediate).
   */
  const actedOnAnswers = async () => {
    await Promise.allSettled(answers)
    await new Promise((r) => setImmediate(r))
  }
  const deletedAt = (waId: string) =>
    (db.$client.prepare('SELECT deleted_at AS d FROM messages WHERE wa_message_id = ?').get(waId) as { d: number | null } | undefined)?.d

  it("applies a delete of another member's message only when WhatsApp says the deleter is a group admin", async () => {
    const asked: [string, string][] = []
    const bus = new EventBus(logger)
    const updated: string[] = []
    bus.on('message.updated', (e) => updated.push(e.message.waMessageId))
    const sink = createMessageSink({
      db,
      bus,
      accountId: 'a1',
      log: logger,
      isGroupAdmin: (group, member) => {
        asked.push([group, member])
        const answer = Promise.resolve(member === ADMIN)
        answers.push(answer)
        return answer
      },
    })
    sink.store([groupText('G1', AUTHOR, 'one'), groupText('G2', AUTHOR, 'two'), groupText('G3', AUTHOR, 'three')])
    // a member who is not an admin: asked, not applied
    sink.store([revoke('R1', MEMBER, 'G1')])
    // an admin: applied, announced, with its event
    sink.store([revoke('R2', ADMIN, 'G2')])
    // the author deletes their own: applied at once, nobody asked
    sink.store([{ ...revoke('R3', AUTHOR, 'G3') }])
    await actedOnAnswers()
    expect(asked).toEqual([
      [GROUP, MEMBER],
      [GROUP, ADMIN],
    ])
    expect(deletedAt('G1')).toBeNull()
    expect(deletedAt('G2')).toEqual(expect.any(Number))
    expect(deletedAt('G3')).toEqual(expect.any(Number))
    expect(updated.sort()).toEqual(['G2', 'G3'])
    expect(count("SELECT count(*) AS n FROM events WHERE type = 'message.deleted'")).toBe(2)
  })

  it('does not apply such a delete when the admins cannot be read (the account went offline)', async () => {
    const sink = createMessageSink({
      db,
      bus: new EventBus(logger),
      accountId: 'a1',
      log: logger,
      isGroupAdmin: () => {
        const answer = Promise.reject(new Error('not connected'))
        answers.push(answer)
        return answer
      },
    })
    sink.store([groupText('G4', AUTHOR, 'four')])
    sink.store([revoke('R4', ADMIN, 'G4')])
    expect(answers).toHaveLength(1) // it did ask
    await actedOnAnswers()
    expect(deletedAt('G4')).toBeNull()
  })
})
