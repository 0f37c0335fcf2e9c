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
