import { describe, expect, it } from 'vitest'
import type { MessageRow } from '@/lib/db/messages'
import { isAppError } from '@/lib/errors'
import { type ComposeLookup, composeOutgoing, hashRequest } from './compose'
import { parseRecipient } from './recipient'

const ANN = parseRecipient('+1 555 000 1111')
const BOB = parseRecipient('+1 555 000 2222')
/** two logged messages, one in Ann's chat (7) and one in Bob's (8) */
const rows: Record<string, Partial<MessageRow>> = {
  msg_ann: { id: 1, publicId: 'msg_ann', chatId: 7, chatJid: ANN.jid, direction: 'in', waMessageId: 'WA1' },
  msg_bob: { id: 2, publicId: 'msg_bob', chatId: 8, chatJid: BOB.jid, direction: 'out', waMessageId: 'WA2' },
}
const lookup: ComposeLookup = {
  message(id) {
    const row = rows[id]
    if (!row) throw new Error(`no ${id}`)
    return row as MessageRow
  },
  chatIdOf: (r) => (r.jid === ANN.jid ? 7 : r.jid === BOB.jid ? 8 : undefined),
}
const codeOf = (fn: () => unknown) => {
  try {
    fn()
    return null
  } catch (err) {
    return isAppError(err) ? err.code : String(err)
  }
}

describe('composeOutgoing (a send request → what Baileys gets and what the log shows)', () => {
  it('text: mentions become JIDs, a reply names the quoted row, a preview is only asked for', () => {
    const c = composeOutgoing(
      { to: ANN.jid, type: 'text', text: { body: 'Hi @15550002222', mentions: ['+1 555 000 2222'] }, context: { messageId: 'msg_ann' } },
      ANN,
      lookup,
    )
    expect(c.content).toEqual({ kind: 'text', text: 'Hi @15550002222', mentions: [BOB.jid], linkPreview: null })
    expect(c.view).toEqual({ text: { body: 'Hi @15550002222', mentions: [BOB.jid] } })
    expect(c.quotedRowId).toBe(1)
    expect(c.previewUrl).toBeUndefined()
    expect(composeOutgoing({ to: ANN.jid, type: 'text', text: { body: 'https://x.test', previewUrl: true } }, ANN, lookup).previewUrl).toBe(
      true,
    )
  })

  it('contacts: one card shows its name, several their count; the vCard is built', () => {
    const card = { name: { formattedName: 'Ann Example' }, phones: [{ phone: '+1 555 000 1111' }] }
    const one = composeOutgoing({ to: BOB.jid, type: 'contacts', contacts: [card] }, BOB, lookup)
    expect(one.content).toMatchObject({ kind: 'contacts', displayName: 'Ann Example' })
    expect(one.content.kind === 'contacts' && one.content.cards[0]?.vcard).toContain('FN:Ann Example')
    const two = composeOutgoing({ to: BOB.jid, type: 'contacts', contacts: [card, card] }, BOB, lookup)
    expect(two.content).toMatchObject({ displayName: '2 contacts' })
  })

  it('a reaction targets a message of the chat it is sent to, and no other', () => {
    const c = composeOutgoing({ to: ANN.jid, type: 'reaction', reaction: { messageId: 'msg_ann', emoji: '👍' } }, ANN, lookup)
    expect(c.content).toEqual({ kind: 'reaction', target: { remoteJid: ANN.jid, fromMe: false, id: 'WA1' }, emoji: '👍' })
    expect(c.view).toEqual({ reaction: { messageId: 'msg_ann', emoji: '👍' } })
    expect(
      codeOf(() => composeOutgoing({ to: ANN.jid, type: 'reaction', reaction: { messageId: 'msg_bob', emoji: '👍' } }, ANN, lookup)),
    ).toBe('validation_failed')
    const stranger = parseRecipient('+1 555 000 3333')
    expect(
      codeOf(() =>
        composeOutgoing({ to: stranger.jid, type: 'reaction', reaction: { messageId: 'msg_ann', emoji: '👍' } }, stranger, lookup),
      ),
    ).toBe('validation_failed')
  })

  it('a media kind without its prepared file is refused', () => {
    expect(codeOf(() => composeOutgoing({ to: ANN.jid, type: 'image', image: { link: 'https://x.test/a.png' } }, ANN, lookup))).toBe(
      'validation_failed',
    )
  })
})

describe('hashRequest (Idempotency-Key)', () => {
  it('the same body in another key order hashes the same; another body does not', () => {
    const a = hashRequest({ to: ANN.jid, type: 'location', location: { latitude: 1, longitude: 2, name: 'x' } })
    const b = hashRequest({ type: 'location', location: { name: 'x', longitude: 2, latitude: 1 }, to: ANN.jid })
    const c = hashRequest({ to: ANN.jid, type: 'location', location: { latitude: 1, longitude: 3, name: 'x' } })
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })
})
