import { type BaileysEventMap, makeEventBuffer, type WASocket } from '@whiskeysockets/baileys'
import pino from 'pino'
import type { Logger } from '@/lib/logger'
import { ENGAGED, notEngaged, type SeamState } from './seam-state'

type EventBuffer = WASocket['ev']

/**
 * Hands 'messages.upsert' and 'messages.update' to us when Baileys emits them, not when its event
 * buffer flushes.
 *
 * Baileys (rc14, messages-recv handleMessage) decrypts an inbound message, sends WhatsApp its
 * receipt, and only then calls upsertMessage, which emits 'messages.upsert' through `ev`, the event
 * buffer. While the buffer is on (inside every upsertMessage call until ~100 ms later, and on every
 * connect from the start until the `<ib><offline>` marker) the event waits in memory. WhatsApp was
 * already told the message arrived and will not deliver it again, so a crash in that window lost the
 * message. Baileys calls `ev.emit` on the same object the socket exposes as `sock.ev`, so replacing
 * `emit` there sees every event at emit time: these two are handed to our handler synchronously (the
 * message log writes them in the same tick, better-sqlite3 being synchronous) and are NOT passed on
 * to the buffer, so they are handled once. Nothing inside Baileys listens to either event (it only
 * emits them), so swallowing them changes nothing else; we lose only the buffer's merging (an update
 * folded into an upsert of the same key), which the message log does itself (idempotent upserts,
 * statuses that only move forward). The few microtasks between the receipt being written and
 * upsertMessage being called are covered by the decrypt journal (./decrypt-journal.ts): the message
 * was made durable before the receipt could be written.
 */
export function takeMessagesAtEmit(
  ev: EventBuffer,
  handlers: {
    upsert: (u: BaileysEventMap['messages.upsert']) => void
    update: (u: BaileysEventMap['messages.update']) => void
    logger: Logger
  },
): SeamState {
  // what a Baileys of another shape could leave out (its types say emit is always there)
  if (typeof (ev as { emit?: unknown }).emit !== 'function') return notEngaged('the socket has no event buffer with an emit to take over')
  const emit = ev.emit.bind(ev)
  const take = <T>(handler: (data: T) => void, data: T): true => {
    try {
      handler(data)
    } catch (err) {
      // the sink reports its own failures; this only keeps a bug of ours out of Baileys' receive path
      handlers.logger.error({ err }, 'message handler failed')
    }
    return true
  }
  ev.emit = <E extends keyof BaileysEventMap>(event: E, data: BaileysEventMap[E]): boolean => {
    if (event === 'messages.upsert') return take(handlers.upsert, data as BaileysEventMap['messages.upsert'])
    if (event === 'messages.update') return take(handlers.update, data as BaileysEventMap['messages.update'])
    return emit(event, data)
  }
  return ENGAGED
}

/**
 * The start-time check against the installed Baileys: an event buffer as Baileys makes it, buffering
 * as on connect, hands an upsert to the takeover at emit time and never again at the flush.
 */
export function probeMessagesAtEmit(): SeamState {
  const logger = pino({ level: 'silent' })
  const ev = makeEventBuffer(logger)
  const taken: string[] = []
  const flushed: string[] = []
  const state = takeMessagesAtEmit(ev, { upsert: (u) => taken.push(u.type), update: () => undefined, logger })
  if (!state.engaged) return state
  ev.on('messages.upsert', (u: BaileysEventMap['messages.upsert']) => flushed.push(u.type))
  ev.buffer()
  ev.emit('messages.upsert', { messages: [], type: 'append' })
  if (taken.length !== 1) return notEngaged("the event buffer's emit is not what its events go through")
  ev.flush()
  if (flushed.length > 0) return notEngaged('an upsert taken at emit time was emitted again at the flush')
  return ENGAGED
}
