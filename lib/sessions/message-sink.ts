import type { DB } from '@/lib/db/client'
import { messageViewsByRowIds } from '@/lib/db/message-views'
import { advanceStatus, findMessageProto, type LogChanges, logMessages } from '@/lib/db/messages'
import type { EventBus } from '@/lib/events/bus'
import type { Logger } from '@/lib/logger'
import { decodeMessageProto, describeWaError, errorCodeOf, parseWaMessage, statusFromWa } from '@/lib/whatsapp/messages'
import type { WaSocketHandlers, WaSocketOptions } from '@/lib/whatsapp/socket'

type Messages = Parameters<NonNullable<WaSocketHandlers['onMessages']>>[0]
type Updates = Parameters<NonNullable<WaSocketHandlers['onMessageUpdates']>>[0]

export type MessageSink = {
  /** Baileys' getMessage: the stored content for retries, undefined when we never stored it */
  getMessage: WaSocketOptions['getMessage']
  store(messages: Messages): void
  updateStatuses(updates: Updates): void
}

/** What one session's socket reads from and writes to the message log; changes are announced after commit. */
export function createMessageSink({ db, bus, accountId, log }: { db: DB; bus: EventBus; accountId: string; log: Logger }): MessageSink {
  const announce = (changes: LogChanges) => {
    for (const message of messageViewsByRowIds({ db, ids: changes.created })) bus.emit('message.created', { accountId, message })
    const updated = [...new Set(changes.updated)].filter((id) => !changes.created.includes(id))
    for (const message of messageViewsByRowIds({ db, ids: updated })) bus.emit('message.updated', { accountId, message })
  }
  return {
    async getMessage(key) {
      if (!key.id) return undefined
      const buf = findMessageProto({ db, accountId, waMessageId: key.id })
      return buf ? decodeMessageProto(buf) : undefined
    },
    store(messages) {
      const items = messages.map(parseWaMessage).filter((m) => m !== null)
      try {
        announce(logMessages({ db, accountId, items }))
      } catch (err) {
        log.error({ err, count: items.length }, 'storing messages failed')
      }
    },
    updateStatuses(updates) {
      const changes: LogChanges = { created: [], updated: [] }
      for (const { key, update } of updates) {
        if (!key.id || !key.fromMe || update.status === undefined || update.status === null) continue
        const status = statusFromWa(update.status, true)
        const errorCode = status === 'failed' ? errorCodeOf(update) : null
        const id = advanceStatus({
          db,
          accountId,
          waMessageId: key.id,
          status,
          errorCode,
          reason: status === 'failed' ? describeWaError(errorCode) : null,
        })
        if (id !== undefined) changes.updated.push(id)
        if (status === 'failed') log.warn({ msgId: key.id, errorCode }, 'WhatsApp refused a message')
      }
      announce(changes)
    },
  }
}
