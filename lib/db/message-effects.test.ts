import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount } from './accounts'
import type { DB } from './client'
import { logMessages } from './messages'
import { logInput } from '../../tests/support/log-input'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'
import { recordMessageNews } from '@/lib/messages/outbox'

/** Edits and deletes from WhatsApp, applied to a real SQLite message log. */
let db: DB
let close: () => void

const GROUP = '120363000000000001@g.us'
const ANA = '15550100@s.whatsapp.net'
const BEN = '15550200@s.whatsapp.net'
const group = { remoteJid: GROUP, chat: { jid: GROUP, pnJid: null, lid: null } }

beforeEach(() => {
  ;({ db, close } = tempDb())
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
})
afterEach(() => close())

const row = (waMessageId: string) =>
  db.$client.prepare('SELECT text, edited_at, deleted_at FROM messages WHERE wa_message_id = ?').get(waMessageId) as {
    text: string | null
    edited_at: number | null
    deleted_at: number | null
  }
const events = () =>
  (db.$client.prepare("SELECT type FROM events WHERE type LIKE 'message.%' ORDER BY id").all() as { type: string }[]).map((e) => e.type)
const log = (...items: ReturnType<typeof logInput>[]) => logMessages({ db, accountId: 'shop', items, onNews: recordMessageNews })

describe('edits and deletes in a group', () => {
  beforeEach(() => {
    log(logInput({ ...group, waMessageId: 'G1', senderJid: ANA, text: 'from Ana' }))
  })

  it("another member's edit or delete of Ana's message is not applied, and is reported", () => {
    const edit = log(
      logInput({
        ...group,
        waMessageId: 'E1',
        senderJid: BEN,
        type: 'edit',
        text: null,
        effect: { kind: 'edit', targetWaId: 'G1', text: 'forged' },
      }),
    )
    const del = log(
      logInput({ ...group, waMessageId: 'D1', senderJid: BEN, type: 'delete', text: null, effect: { kind: 'delete', targetWaId: 'G1' } }),
    )
    expect(row('G1')).toEqual({ text: 'from Ana', edited_at: null, deleted_at: null })
    expect(events()).toEqual(['message.received'])
    expect(edit).toMatchObject({ updated: [], ignored: [{ kind: 'edit', targetWaId: 'G1', from: BEN, author: ANA }] })
    expect(del).toMatchObject({ updated: [], ignored: [{ kind: 'delete', targetWaId: 'G1', from: BEN, author: ANA }] })
  })

  it("Ana's own edit and delete apply", () => {
    log(
      logInput({
        ...group,
        waMessageId: 'E2',
        senderJid: ANA,
        type: 'edit',
        text: null,
        effect: { kind: 'edit', targetWaId: 'G1', text: 'fixed' },
      }),
    )
    expect(row('G1')).toMatchObject({ text: 'fixed', deleted_at: null })
    log(logInput({ ...group, waMessageId: 'D2', senderJid: ANA, type: 'delete', text: null, effect: { kind: 'delete', targetWaId: 'G1' } }))
    expect(row('G1')).toMatchObject({ text: null, deleted_at: expect.any(Number) as unknown })
    expect(events()).toEqual(['message.received', 'message.edited', 'message.deleted'])
  })
})

describe('edits and deletes in a one-to-one chat (unchanged)', () => {
  it("the contact's edit and delete apply to the contact's message", () => {
    log(logInput({ waMessageId: 'M1', senderJid: ANA }))
    const edit = log(
      logInput({ waMessageId: 'E1', senderJid: ANA, type: 'edit', text: null, effect: { kind: 'edit', targetWaId: 'M1', text: 'edited' } }),
    )
    expect(edit.ignored).toBeUndefined()
    expect(row('M1')).toMatchObject({ text: 'edited', edited_at: expect.any(Number) as unknown })
    log(logInput({ waMessageId: 'D1', senderJid: ANA, type: 'delete', text: null, effect: { kind: 'delete', targetWaId: 'M1' } }))
    expect(row('M1')).toMatchObject({ text: null, deleted_at: expect.any(Number) as unknown })
  })

  it("the contact cannot edit the account's own message", () => {
    log(logInput({ waMessageId: 'O1', direction: 'out', status: 'sent', text: 'ours' }))
    log(
      logInput({ waMessageId: 'E1', senderJid: ANA, type: 'edit', text: null, effect: { kind: 'edit', targetWaId: 'O1', text: 'forged' } }),
    )
    expect(row('O1')).toMatchObject({ text: 'ours', edited_at: null })
  })
})
