import { type BaileysEventMap, makeEventBuffer, proto, type WAMessage } from '@whiskeysockets/baileys'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { probeMessagesAtEmit, takeMessagesAtEmit } from './messages-at-emit'

const logger = pino({ level: 'silent' })
const message = (id: string): WAMessage => ({
  key: { remoteJid: '15550001@s.whatsapp.net', fromMe: false, id },
  message: { conversation: id },
})

describe('takeMessagesAtEmit (Baileys event buffer)', () => {
  it('hands upserts and updates over at emit time, even while Baileys buffers, and never again at the flush', async () => {
    const ev = makeEventBuffer(logger)
    const taken: string[] = []
    takeMessagesAtEmit(ev, {
      upsert: (u) => taken.push(...u.messages.map((m) => `upsert:${m.key.id}:${u.type}`)),
      update: (u) => taken.push(...u.map((m) => `update:${m.key.id}:${m.update.status}`)),
      logger,
    })
    const flushed: string[] = []
    ev.on('messages.upsert', (u: BaileysEventMap['messages.upsert']) => flushed.push(...u.messages.map((m) => `upsert:${m.key.id}`)))
    ev.on('messages.update', (u: BaileysEventMap['messages.update']) => flushed.push(...u.map((m) => `update:${m.key.id}`)))
    const contacts: unknown[] = []
    ev.on('contacts.update', (u: BaileysEventMap['contacts.update']) => contacts.push(...u))

    // as on connect: buffered until the offline marker
    ev.buffer()
    ev.emit('messages.upsert', { messages: [message('A')], type: 'append' })
    ev.emit('messages.update', [
      {
        key: { remoteJid: '15550001@s.whatsapp.net', fromMe: true, id: 'B' },
        update: { status: proto.WebMessageInfo.Status.DELIVERY_ACK },
      },
    ])
    ev.emit('contacts.update', [{ id: '15550001@s.whatsapp.net', notify: 'Ann' }])
    expect(taken).toEqual(['upsert:A:append', 'update:B:3'])
    expect(contacts).toEqual([]) // other events still wait for the flush
    ev.flush()
    expect(contacts).toHaveLength(1)

    // as in upsertMessage: a buffered function
    const upsertMessage = ev.createBufferedFunction(async (msg: WAMessage) => {
      ev.emit('messages.upsert', { messages: [msg], type: 'notify' })
    })
    await upsertMessage(message('C'))
    expect(taken).toContain('upsert:C:notify')
    // The flush Baileys schedules 100 ms after a buffered function, run now: it emits whatever the
    // buffer holds, so an upsert that had been passed on to the buffer would show up here.
    ev.flush()
    expect(flushed).toEqual([])
  })

  it('a throwing handler does not throw into Baileys', () => {
    const ev = makeEventBuffer(logger)
    takeMessagesAtEmit(ev, {
      upsert: () => {
        throw new Error('boom')
      },
      update: () => undefined,
      logger,
    })
    expect(() => ev.emit('messages.upsert', { messages: [message('D')], type: 'notify' })).not.toThrow()
  })

  it('the start-time check: the installed Baileys buffers behind the emit it exposes', () => {
    expect(probeMessagesAtEmit()).toEqual({ engaged: true })
    expect(
      takeMessagesAtEmit({} as ReturnType<typeof makeEventBuffer>, { upsert: () => undefined, update: () => undefined, logger }),
    ).toEqual({
      engaged: false,
      reason: 'the socket has no event buffer with an emit to take over',
    })
  })
})
