import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount } from './accounts'
import type { DB } from './client'
import { messageViewsByRowIds } from '@/lib/messages/views'
import { logMessages } from './messages'
import { acceptOutgoing, claimNextOwed, markSent } from './send-queue'
import { logInput } from '../../tests/support/log-input'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'
import { recordMessageNews } from '@/lib/messages/outbox'

let db: DB
let close: () => void

const jid = '15550100@s.whatsapp.net'
const input = logInput

beforeEach(() => {
  ;({ db, close } = tempDb())
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
})
afterEach(() => close())

describe('the message log insert', () => {
  it('stores SQL NULL for absent content and JSON for present content, and reads both back', () => {
    const { created } = logMessages({
      db,
      accountId: 'shop',
      items: [
        input({ waMessageId: 'T1' }),
        input({ waMessageId: 'L1', type: 'location', text: null, content: { location: { latitude: 1.5, longitude: -2 } } }),
        input({ waMessageId: 'O1', direction: 'out', status: 'sent', timestamp: 1_764_000_001_000 }),
      ],
      onNews: recordMessageNews,
    })
    expect(created).toHaveLength(3)
    const raw = db.$client.prepare('select wa_message_id as wa, content, sent_at as sentAt from messages order by messages.id').all()
    expect(raw).toEqual([
      { wa: 'T1', content: null, sentAt: null },
      { wa: 'L1', content: '{"location":{"latitude":1.5,"longitude":-2}}', sentAt: null },
      { wa: 'O1', content: null, sentAt: 1_764_000_001_000 },
    ])
    const views = messageViewsByRowIds({ db, ids: created })
    // newest first, the later row first on equal timestamps, as every listing
    expect(views.map((v) => v.waMessageId)).toEqual(['O1', 'L1', 'T1'])
    expect(views.find((v) => v.waMessageId === 'L1')?.content).toEqual({ location: { latitude: 1.5, longitude: -2 } })
    expect(views.find((v) => v.waMessageId === 'T1')).toMatchObject({ text: 'hello', direction: 'in', status: 'received', content: null })
  })

  it('logs a redelivered message once', () => {
    logMessages({ db, accountId: 'shop', items: [input({})], onNews: recordMessageNews })
    const again = logMessages({ db, accountId: 'shop', items: [input({})], onNews: recordMessageNews })
    expect(again.created).toEqual([])
    expect(db.$client.prepare('select count(*) as n from messages').get()).toEqual({ n: 1 })
  })
})

describe("the echo of a message the gateway sent (Baileys' upsert of our own send)", () => {
  const accept = () =>
    acceptOutgoing({
      db,
      input: {
        accountId: 'shop',
        chat: { jid, pnJid: jid, lid: null },
        waMessageId: 'OUT1',
        type: 'text',
        text: 'hi',
        content: { text: { body: 'hi' } },
        quotedWaId: null,
        request: { content: { kind: 'text', text: 'hi' } },
      },
    }).row
  const echo = () => input({ waMessageId: 'OUT1', direction: 'out', status: 'pending', text: 'hi', proto: Buffer.from('sent proto') })
  const row = (id: number) => db.$client.prepare('select status, proto, updated_at as updatedAt from messages where id = ?').get(id)

  it('writes and announces nothing while the message is in flight, or after it was marked sent with its content', () => {
    const queued = accept()
    expect(claimNextOwed({ db, accountId: 'shop' })).toMatchObject({ id: queued.id, status: 'pending' })
    const before = row(queued.id)
    expect(logMessages({ db, accountId: 'shop', items: [echo()], onNews: recordMessageNews })).toEqual({ created: [], updated: [] })
    expect(row(queued.id)).toEqual(before)
    markSent({ db, id: queued.id, proto: Buffer.from('sent proto'), timestamp: Date.now(), onNews: recordMessageNews })
    const sent = row(queued.id)
    expect(sent).toMatchObject({ status: 'sent', proto: Buffer.from('sent proto') })
    expect(logMessages({ db, accountId: 'shop', items: [echo()], onNews: recordMessageNews })).toEqual({ created: [], updated: [] })
    expect(row(queued.id)).toEqual(sent)
    // one row, and its events: sent once
    expect(db.$client.prepare("select count(*) as n from messages where wa_message_id = 'OUT1'").get()).toEqual({ n: 1 })
    expect(db.$client.prepare("select type, payload from events where type like 'message.%'").all()).toHaveLength(1)
  })

  it('still gives the content to a sent row that lacks it', () => {
    const queued = accept()
    claimNextOwed({ db, accountId: 'shop' })
    markSent({ db, id: queued.id, proto: null, timestamp: Date.now(), onNews: recordMessageNews })
    expect(logMessages({ db, accountId: 'shop', items: [echo()], onNews: recordMessageNews }).updated).toEqual([queued.id])
    expect(row(queued.id)).toMatchObject({ status: 'sent', proto: Buffer.from('sent proto') })
  })
})
