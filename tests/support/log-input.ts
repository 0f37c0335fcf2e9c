import type { LogInput } from '@/lib/db/messages'

const JID = '15550100@s.whatsapp.net'

/** A message as lib/whatsapp/messages.ts parseWaMessage hands it to the log: an inbound text from 15550100 unless `over` says otherwise. */
export function logInput(over: Partial<LogInput> = {}): LogInput {
  return {
    waMessageId: 'WA1',
    remoteJid: JID,
    chat: { jid: JID, pnJid: JID, lid: null },
    direction: 'in',
    senderJid: null,
    pushName: 'Ana',
    type: 'text',
    text: 'hello',
    content: null,
    quotedWaId: null,
    effect: null,
    status: 'received',
    errorCode: null,
    statusReason: null,
    proto: Buffer.from('proto'),
    timestamp: 1_764_000_000_000,
    ...over,
  }
}
