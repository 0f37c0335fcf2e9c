import type { DB } from '@/lib/db/client'
import { forgetJournaled } from '@/lib/db/inbound-journal'
import { recordDelete } from '@/lib/db/message-effects'
import {
  advanceStatuses,
  findMessageProto,
  type IgnoredEffect,
  type LogChanges,
  type LogInput,
  logMessages,
  type StatusReport,
} from '@/lib/db/messages'
import type { EventBus } from '@/lib/events/bus'
import { recordMessageNews } from '@/lib/messages/outbox'
import { messageViewsByRowIds } from '@/lib/messages/views'
import type { Logger } from '@/lib/logger'
import { decodeMessageProto, describeWaError, errorCodeOf, isUndecrypted, parseWaMessage, statusFromWa } from '@/lib/whatsapp/messages'
import type { WaSocketHandlers, WaSocketOptions } from '@/lib/whatsapp/socket'

type Messages = Parameters<NonNullable<WaSocketHandlers['onMessages']>>[0]
type Updates = Parameters<NonNullable<WaSocketHandlers['onMessageUpdates']>>[0]

export type MessageSink = {
  /** Baileys' getMessage: the stored content for retries, undefined when we never stored it */
  getMessage: WaSocketOptions['getMessage']
  store(messages: Messages, opts?: { replayed: boolean }): void
  updateStatuses(updates: Updates): void
}

/**
 * Whether `memberJid` is an admin of `groupJid` now (WhatsApp's group metadata); false when it cannot
 * be told (the account is offline, WhatsApp does not answer).
 */
export type GroupAdminCheck = (groupJid: string, memberJid: string) => Promise<boolean>

/** What one session's socket reads from and writes to the message log; changes are announced after commit. */
export function createMessageSink({
  db,
  bus,
  accountId,
  log,
  isGroupAdmin = () => Promise.resolve(false),
}: {
  db: DB
  bus: EventBus
  accountId: string
  log: Logger
  isGroupAdmin?: GroupAdminCheck
}): MessageSink {
  // A write that fails is loud: logged as an error, counted, and announced (the dashboard shows it).
  const failed = (err: unknown, count: number) => {
    log.error({ err, count }, 'storing messages failed')
    bus.emit('messages.store_failed', { accountId, count, error: err instanceof Error ? err.message : String(err), at: Date.now() })
  }
  /**
   * A group member deleted a message someone else sent: applied only when WhatsApp says the deleter
   * is an admin of the group (asked after the write, so the receive path never waits on the network).
   */
  const adminDelete = async (e: IgnoredEffect & { from: string }) => {
    const admin = await isGroupAdmin(e.chatJid, e.from).catch((err: unknown) => {
      log.warn({ err, chatJid: e.chatJid }, 'could not read the group’s admins')
      return false
    })
    const facts = { chatJid: e.chatJid, targetWaId: e.targetWaId, from: e.from, author: e.author }
    if (!admin) {
      log.warn(facts, 'a group member who is not an admin deleted a message they did not send: not applied')
      return
    }
    try {
      recordDelete({ db, accountId, id: e.targetId, at: Date.now(), onNews: recordMessageNews })
      log.info(facts, 'a group admin deleted a member’s message')
      announce({ created: [], updated: [e.targetId] })
    } catch (err) {
      failed(err, 1)
    }
  }
  const announce = (changes: LogChanges) => {
    for (const e of changes.ignored ?? []) {
      if (e.kind === 'delete' && e.from) void adminDelete({ ...e, from: e.from })
      else
        log.warn(
          { chatJid: e.chatJid, targetWaId: e.targetWaId, kind: e.kind, from: e.from, author: e.author },
          'a group member edited a message they did not send: not applied',
        )
    }
    for (const message of messageViewsByRowIds({ db, ids: changes.created })) bus.emit('message.created', { accountId, message })
    const updated = [...new Set(changes.updated)].filter((id) => !changes.created.includes(id))
    for (const message of messageViewsByRowIds({ db, ids: updated })) bus.emit('message.updated', { accountId, message })
  }
  const storeAndForget = (items: LogInput[], resolved: string[]) =>
    logMessages({
      db,
      accountId,
      items,
      alsoInTransaction: resolved.length > 0 ? () => forgetJournaled(db, accountId, resolved) : undefined,
      onNews: recordMessageNews,
    })
  return {
    async getMessage(key) {
      if (!key.id) return undefined
      const buf = findMessageProto({ db, accountId, waMessageId: key.id })
      return buf ? decodeMessageProto(buf) : undefined
    },
    store(messages, opts) {
      const items = messages.map(parseWaMessage).filter((m) => m !== null)
      // Their decrypt-journal rows go in the same transaction (lib/whatsapp/decrypt-journal.ts), also
      // for messages the log does not keep (protocol messages…). A copy that failed to decrypt (a
      // CIPHERTEXT stub) resolves nothing live; a replayed one has used what the journal had.
      const resolved = messages
        .filter((m) => opts?.replayed === true || !isUndecrypted(m))
        .map((m) => m.key.id)
        .filter((id): id is string => !!id)
      try {
        const changes = storeAndForget(items, resolved)
        if (opts?.replayed)
          log.info({ messages: messages.length, created: changes.created.length }, 'journaled messages stored after a crash')
        announce(changes)
      } catch (err) {
        failed(err, items.length)
      }
    },
    updateStatuses(updates) {
      const reports: StatusReport[] = []
      for (const { key, update } of updates) {
        if (!key.id || !key.fromMe || update.status === undefined || update.status === null) continue
        const status = statusFromWa(update.status, true)
        const errorCode = status === 'failed' ? errorCodeOf(update) : null
        reports.push({ waMessageId: key.id, status, errorCode, reason: status === 'failed' ? describeWaError(errorCode) : null })
        if (status === 'failed') log.warn({ msgId: key.id, errorCode }, 'WhatsApp refused a message')
      }
      try {
        announce({ created: [], updated: advanceStatuses({ db, accountId, reports, onNews: recordMessageNews }) })
      } catch (err) {
        failed(err, reports.length)
      }
    },
  }
}
