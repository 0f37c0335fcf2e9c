import type { DB } from '@/lib/db/client'
import { findMessageProto, updateMessageStatus, upsertMessages } from '@/lib/db/messages'
import type { Logger } from '@/lib/logger'
import { decodeMessageProto, keyRef, statusFromWa, toMessageRow } from '@/lib/whatsapp/messages'
import type { WaSocketHandlers, WaSocketOptions } from '@/lib/whatsapp/socket'

type Messages = Parameters<NonNullable<WaSocketHandlers['onMessages']>>[0]
type Updates = Parameters<NonNullable<WaSocketHandlers['onMessageUpdates']>>[0]

export type MessageSink = {
  /** Baileys' getMessage: the stored content for retries, undefined when we never stored it */
  getMessage: WaSocketOptions['getMessage']
  store(messages: Messages): void
  updateStatuses(updates: Updates): void
}

/** What one session's socket reads from and writes to the message store. */
export function createMessageSink({ db, accountId, log }: { db: DB; accountId: string; log: Logger }): MessageSink {
  return {
    async getMessage(key) {
      const ref = keyRef(key)
      if (!ref) return undefined
      const buf = findMessageProto({ db, accountId, ...ref })
      return buf ? decodeMessageProto(buf) : undefined
    },
    store(messages) {
      const rows = messages.map((m) => toMessageRow(accountId, m)).filter((r) => r !== null)
      try {
        upsertMessages({ db, rows })
      } catch (err) {
        log.error({ err, count: rows.length }, 'storing messages failed')
      }
    },
    updateStatuses(updates) {
      for (const { key, update } of updates) {
        const ref = keyRef(key)
        if (!ref || !key.fromMe || update.status === undefined || update.status === null) continue
        updateMessageStatus({ db, accountId, ...ref, status: statusFromWa(update.status, true) })
      }
    },
  }
}
