import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount } from './accounts'
import type { DB } from './client'
import { acceptOutgoing, cancelQueued, claimNextOwed, markSent, nextOwed } from './send-queue'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'
import { recordMessageNews } from '@/lib/messages/outbox'

let db: DB
let close: () => void
const jid = '15550100@s.whatsapp.net'

beforeEach(() => {
  ;({ db, close } = tempDb())
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
  insertAccount({ db, id: 'other', name: 'Other', onNews: recordAccountNews })
})
afterEach(() => close())

const accept = (accountId: string, waMessageId: string) =>
  acceptOutgoing({
    db,
    input: {
      accountId,
      chat: { jid, pnJid: jid, lid: null },
      waMessageId,
      type: 'text',
      text: waMessageId,
      content: { text: { body: waMessageId } },
      quotedWaId: null,
      request: { content: { kind: 'text', text: waMessageId } },
    },
  }).row

describe('claimNextOwed (the send loop takes the next message)', () => {
  it("claims the account's oldest owed message, in order, and nothing of another account", () => {
    const a = accept('shop', 'A')
    accept('other', 'X')
    const b = accept('shop', 'B')
    const first = claimNextOwed({ db, accountId: 'shop', now: 5 })
    expect(first).toMatchObject({ id: a.id, status: 'pending', updatedAt: 5, request: { content: { kind: 'text', text: 'A' } } })
    markSent({ db, id: a.id, proto: null, timestamp: 6, onNews: recordMessageNews })
    expect(claimNextOwed({ db, accountId: 'shop' })?.id).toBe(b.id)
  })

  it('takes a message left pending by a crash again, before newer ones', () => {
    const a = accept('shop', 'A')
    accept('shop', 'B')
    expect(claimNextOwed({ db, accountId: 'shop' })?.id).toBe(a.id)
    // the process died here: A is pending, never marked sent
    expect(claimNextOwed({ db, accountId: 'shop' })?.id).toBe(a.id)
  })

  it('never takes a cancelled message, and answers undefined when nothing is owed', () => {
    const a = accept('shop', 'A')
    expect(cancelQueued({ db, id: a.id, onNews: recordMessageNews })).toBe(true)
    expect(claimNextOwed({ db, accountId: 'shop' })).toBeUndefined()
    expect(nextOwed({ db, accountId: 'shop' })).toBeUndefined()
    // and a claimed one can no longer be cancelled
    const b = accept('shop', 'B')
    claimNextOwed({ db, accountId: 'shop' })
    expect(cancelQueued({ db, id: b.id, onNews: recordMessageNews })).toBe(false)
  })
})
