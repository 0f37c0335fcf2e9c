import type { DB } from '@/lib/db/client'
import { findChat } from '@/lib/db/chats'
import { recordDelete, recordEdit } from '@/lib/db/message-effects'
import { findMessageByWaId, findMessageRow, type MessageRow } from '@/lib/db/messages'
import type { MessageDirection, MessageStatus } from '@/lib/vocabulary/statuses'
import {
  acceptOutgoing,
  accountsWithOwed,
  cancelQueued,
  countQueued,
  getQueueRow,
  pruneIdempotencyKeys,
  queuePositions,
  saveQueueRow,
  updateQueuedRequest,
} from '@/lib/db/send-queue'
import { AppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import type { AccountSummary } from '@/lib/events/types'
import type { Logger } from '@/lib/logger'
import { newWaMessageId, type OutgoingContent } from '@/lib/whatsapp/outgoing'
import type { WaSocket } from '@/lib/whatsapp/socket'
import type { MediaKind } from '@/lib/media/policy'
import type { PreparedMedia } from '@/lib/media/service'
import { type ComposeLookup, composeOutgoing, hashRequest, keyOf, mediaSourceOf } from './compose'
import { type PacingConfig, resolvePacing, type RestrictionConfig } from './pacing'
import { noteSendOutcome } from './restrictions'
import { recordMessageNews } from './outbox'
import { parsePhone, parseRecipient, type Recipient } from './recipient'
import { type LinkPreviewer, SendQueue, urlOnlyPreview } from './queue'
import { readStoredRequest, type StoredRequest, storeRequest } from './stored-request'
import {
  type ChatView,
  DELETE_WINDOW_MS,
  EDIT_WINDOW_MS,
  type ListMessagesQuery,
  MAX_NUMBER_CHECKS,
  type MediaBody,
  type MessageView,
  type NumberCheckResult,
  type Page,
  type QueueStatus,
  type SendMessageInput,
} from './types'
import { decodeCursor, encodeCursor, listChatViews, listMessageViews, messageView, messageViewsByRowIds, type MessageFilter } from './views'

/** What the service needs of the session manager. */
export type SessionAccess = {
  /** throws AppError not_found */
  get(accountId: string): AccountSummary
  connectedSocket(accountId: string): WaSocket | undefined
}

export type MessagesConfig = {
  pacing: PacingConfig
  restriction: RestrictionConfig
  idempotencyTtlMs: number
  /** messages one account may have waiting in its send queue (SEND_QUEUE_ACCOUNT_LIMIT); unset: no limit */
  queueLimit?: number
}

export const DEFAULT_MESSAGES_CONFIG: MessagesConfig = {
  pacing: { minGapMs: 1500, perMinute: 30 },
  restriction: { pauseAfter: 3, pauseMs: 3_600_000 },
  idempotencyTtlMs: 24 * 3_600_000,
  queueLimit: 10_000,
}

/** What sending media needs of the media service (lib/media): the file a send goes out with. */
export type MediaPreparer = {
  prepare(accountId: string, kind: MediaKind, source: MediaBody): Promise<PreparedMedia>
  attach(accountId: string, messageRowId: number, media: PreparedMedia): void
  discard(media: PreparedMedia): void
}

export type MessageServiceDeps = {
  db: DB
  bus: EventBus
  logger: Logger
  sessions: SessionAccess
  config: MessagesConfig
  linkPreview?: LinkPreviewer
  /** without it, media kinds are refused */
  media?: MediaPreparer
  now?: () => number
}

const DEFAULT_PAGE = 50
const MAX_PAGE = 200

/**
 * Sending and reading messages of an account: what the HTTP routes call. Sends are accepted into the
 * persisted queue (202 with the stored message) and go out through SendQueue; reading is the log.
 */
export class MessageService {
  private readonly queue: SendQueue
  private readonly log: Logger
  private readonly now: () => number
  private readonly offs: (() => void)[] = []

  constructor(private readonly deps: MessageServiceDeps) {
    this.log = deps.logger.child({ component: 'messages' })
    this.now = deps.now ?? Date.now
    this.queue = new SendQueue({
      db: deps.db,
      bus: deps.bus,
      logger: deps.logger,
      connectedSocket: (id) => deps.sessions.connectedSocket(id),
      pacing: deps.config.pacing,
      linkPreview: deps.linkPreview ?? urlOnlyPreview,
      now: this.now,
    })
  }

  /** Resumes every queue that owes messages (each starts once its account is connected) and follows reconnects and refusals. */
  start(): void {
    const { bus, db } = this.deps
    this.offs.push(
      bus.on('account.status', (e) => {
        if (e.status === 'connected') this.queue.kick(e.accountId)
      }),
      bus.on('message.updated', (e) =>
        noteSendOutcome({ db, bus, log: this.log, config: this.deps.config.restriction, now: this.now() }, e.accountId, e.message),
      ),
    )
    for (const accountId of accountsWithOwed({ db })) this.queue.kick(accountId)
    pruneIdempotencyKeys({ db, before: this.now() - this.deps.config.idempotencyTtlMs })
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off()
    await this.queue.stop()
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * Accepts a message for sending: validated, stored `queued` and announced; the queue sends it.
   * 503 not_connected (nothing stored) unless the account is connected. With an idempotency key the
   * first answer within 24 hours is returned again and the message is sent once.
   */
  async send(accountId: string, input: SendMessageInput, opts: { idempotencyKey?: string } = {}): Promise<MessageView> {
    this.deps.sessions.get(accountId)
    const sock = this.requireConnected(accountId)
    const recipient = parseRecipient(input.to)
    const media = await this.prepareMedia(accountId, input)
    let accepted: ReturnType<typeof acceptOutgoing>
    try {
      accepted = this.accept(accountId, sock, recipient, input, media, opts)
    } catch (err) {
      if (media) this.deps.media?.discard(media)
      throw err
    }
    if (media) {
      if (accepted.duplicate) this.deps.media?.discard(media)
      else this.deps.media?.attach(accountId, accepted.row.id, media)
    }
    const stored = this.view(accountId, accepted.row)
    const message = this.withPositions(accountId, [stored])[0] ?? stored
    if (!accepted.duplicate) {
      this.deps.bus.emit('message.created', { accountId, message })
      this.queue.kick(accountId)
    }
    return message
  }

  /** The file of a media send, prepared before anything is stored (a refused link stores nothing). */
  private async prepareMedia(accountId: string, input: SendMessageInput): Promise<PreparedMedia | undefined> {
    const source = mediaSourceOf(input)
    if (!source) return undefined
    if (!this.deps.media) throw new AppError('validation_failed', 'This gateway is not set up to send media.')
    return this.deps.media.prepare(accountId, source.kind, source.body)
  }

  private accept(
    accountId: string,
    sock: WaSocket,
    recipient: Recipient,
    input: SendMessageInput,
    media: PreparedMedia | undefined,
    opts: { idempotencyKey?: string },
  ): ReturnType<typeof acceptOutgoing> {
    const { db } = this.deps
    const lookup: ComposeLookup = {
      message: (id) => this.requireMessage(accountId, id),
      chatIdOf: (r) => findChat({ db, accountId, key: { jid: r.jid, pnJid: r.pnJid, lid: r.lid } })?.id,
    }
    const { content, view, quotedRowId, quotedWaId, previewUrl } = composeOutgoing(input, recipient, lookup, media)
    const request: StoredRequest = { content, ...(quotedRowId ? { quotedRowId } : {}), ...(previewUrl ? { previewUrl } : {}) }
    const accepted = acceptOutgoing({
      db,
      now: this.now(),
      input: {
        accountId,
        chat: { jid: recipient.jid, pnJid: recipient.pnJid, lid: recipient.lid },
        waMessageId: newWaMessageId(sock.user()?.jid),
        type: input.type,
        text: content.kind === 'text' ? content.text : content.kind === 'media' ? (content.caption ?? null) : null,
        content: view,
        quotedWaId: quotedWaId ?? null,
        request: storeRequest(request),
      },
      idempotency: opts.idempotencyKey
        ? { key: opts.idempotencyKey, requestHash: hashRequest(input), ttlMs: this.deps.config.idempotencyTtlMs }
        : undefined,
      limit:
        this.deps.config.queueLimit === undefined ? undefined : { max: this.deps.config.queueLimit, setting: 'SEND_QUEUE_ACCOUNT_LIMIT' },
    })
    if (accepted.mismatch) {
      throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used for a different request in the last 24 hours.')
    }
    return accepted
  }

  /**
   * Changes the text of one of our text messages. Queued: the new text is what goes out. Sent: an
   * edit within WhatsApp's 15 minutes; the stored message shows the new text.
   */
  async edit(accountId: string, messageId: string, { text }: { text: string }): Promise<MessageView> {
    const row = this.requireMessage(accountId, messageId)
    if (row.direction !== 'out' || row.type !== 'text' || row.deletedAt) {
      throw new AppError('message_not_editable', 'Only text messages this account sent (and did not delete) can be edited.')
    }
    if (row.status === 'failed' || row.status === 'cancelled') {
      throw new AppError('message_not_editable', `The message was never sent (${row.status}).`)
    }
    if (row.status === 'queued') {
      const read = readStoredRequest(row.request)
      const request = read.ok ? read.request : null
      if (request?.content.kind === 'text') {
        const content: OutgoingContent = { ...request.content, text }
        const view = { text: { ...((row.content as { text?: object } | null)?.text ?? {}), body: text } }
        const stored: StoredRequest = { ...request, content }
        if (updateQueuedRequest({ db: this.deps.db, id: row.id, request: storeRequest(stored), text, content: view })) {
          return this.announceUpdate(accountId, row.publicId ?? '')
        }
      }
    }
    const sentAt = row.sentAt ?? row.timestamp
    if (this.now() - sentAt > EDIT_WINDOW_MS) {
      throw new AppError('edit_window_expired', 'WhatsApp allows editing a message for 15 minutes after it was sent.', {
        details: { sentAt },
      })
    }
    const sock = this.requireConnected(accountId)
    await sock.send(row.chatJid, { kind: 'edit', target: keyOf(row), text }, { messageId: newWaMessageId(sock.user()?.jid) })
    recordEdit({ db: this.deps.db, accountId, id: row.id, text, at: this.now(), onNews: recordMessageNews })
    return this.announceUpdate(accountId, row.publicId ?? '')
  }

  /** Deletes one of our messages for everyone (within about two days); a queued one is cancelled instead. */
  async delete(accountId: string, messageId: string): Promise<MessageView> {
    const row = this.requireMessage(accountId, messageId)
    if (row.direction !== 'out') throw new AppError('message_not_editable', 'Only messages this account sent can be deleted for everyone.')
    if (row.status === 'queued' && cancelQueued({ db: this.deps.db, id: row.id, onNews: recordMessageNews }))
      return this.announceUpdate(accountId, row.publicId ?? '')
    if (row.deletedAt) return this.get(accountId, messageId)
    if (row.status === 'failed' || row.status === 'cancelled') {
      throw new AppError('message_not_editable', `The message was never sent (${row.status}).`)
    }
    const sentAt = row.sentAt ?? row.timestamp
    if (this.now() - sentAt > DELETE_WINDOW_MS) {
      throw new AppError('delete_window_expired', 'WhatsApp allows deleting a message for everyone for about two days after it was sent.', {
        details: { sentAt },
      })
    }
    const sock = this.requireConnected(accountId)
    await sock.send(row.chatJid, { kind: 'delete', target: keyOf(row) }, { messageId: newWaMessageId(sock.user()?.jid) })
    recordDelete({ db: this.deps.db, accountId, id: row.id, at: this.now(), onNews: recordMessageNews })
    return this.announceUpdate(accountId, row.publicId ?? '')
  }

  /** Cancels a message still waiting in the queue; 409 not_cancellable once it is on its way. */
  cancel(accountId: string, messageId: string): MessageView {
    const row = this.requireMessage(accountId, messageId)
    if (!cancelQueued({ db: this.deps.db, id: row.id, onNews: recordMessageNews })) {
      throw new AppError('not_cancellable', `Only queued messages can be cancelled; this one is ${row.status}.`)
    }
    return this.announceUpdate(accountId, row.publicId ?? '')
  }

  // ---- reading ---------------------------------------------------------------------------------

  get(accountId: string, messageId: string): MessageView {
    this.deps.sessions.get(accountId)
    const row = this.requireMessage(accountId, messageId)
    const view = this.view(accountId, row)
    return this.withPositions(accountId, [view])[0] ?? view
  }

  list(accountId: string, query: ListMessagesQuery = {}): Page<MessageView> {
    this.deps.sessions.get(accountId)
    const filter: MessageFilter = {
      ...(query.direction ? { direction: query.direction } : {}),
      ...(query.type?.length ? { types: query.type } : {}),
      ...(query.status?.length ? { statuses: query.status as MessageStatus[] } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
      ...(query.q?.trim() ? { text: query.q } : {}),
    }
    if (query.chat) {
      const r = parseRecipient(query.chat)
      const chat = findChat({ db: this.deps.db, accountId, key: { jid: r.jid, pnJid: r.pnJid, lid: r.lid } })
      if (!chat) return { items: [], nextCursor: null }
      filter.chatIds = [chat.id]
    }
    const page = listMessageViews({ db: this.deps.db, accountId, filter, cursor: this.cursor(query.cursor), limit: pageSize(query.limit) })
    return { items: this.withPositions(accountId, page.items), nextCursor: page.next ? encodeCursor(page.next) : null }
  }

  listChats(accountId: string, query: { cursor?: string; limit?: number } = {}): Page<ChatView> {
    this.deps.sessions.get(accountId)
    const page = listChatViews({ db: this.deps.db, accountId, cursor: this.cursor(query.cursor), limit: pageSize(query.limit) })
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null }
  }

  /** On WhatsApp or not, with JID and LID, for up to 50 numbers; impossible numbers answer `phone: null`. */
  /**
   * Asks WhatsApp which numbers are on it. `spend` is told how many distinct valid numbers are about
   * to be asked (each costs the account standing with WhatsApp) and may refuse by throwing; it is not
   * called when the account is not connected or no number is valid, since nothing is asked then.
   */
  async checkNumbers(
    accountId: string,
    phones: string[],
    opts: { spend?: (numbers: number) => Promise<void> } = {},
  ): Promise<NumberCheckResult[]> {
    this.deps.sessions.get(accountId)
    if (phones.length === 0 || phones.length > MAX_NUMBER_CHECKS) {
      throw new AppError('validation_failed', `Check between 1 and ${MAX_NUMBER_CHECKS} numbers per call.`)
    }
    let sock = this.requireConnected(accountId)
    const parsed = phones.map((input) => ({ input, phone: parsePhone(input) }))
    const unique = [...new Set(parsed.map((p) => p.phone).filter((p): p is string => p !== null))]
    if (opts.spend && unique.length > 0) {
      await opts.spend(unique.length)
      sock = this.requireConnected(accountId)
    }
    const answers = new Map((await sock.checkNumbers(unique)).map((a) => [a.phone, a]))
    return parsed.map(({ input, phone }) => {
      const a = phone ? answers.get(phone) : undefined
      return { input, phone, exists: a?.exists ?? false, jid: a?.jid ?? null, lid: a?.lid ?? null }
    })
  }

  // ---- the queue -------------------------------------------------------------------------------

  queueStatus(accountId: string): QueueStatus {
    this.deps.sessions.get(accountId)
    const row = getQueueRow({ db: this.deps.db, accountId })
    const pausedUntil = row?.pausedUntil && row.pausedUntil > this.now() ? row.pausedUntil : null
    return {
      accountId,
      queued: countQueued({ db: this.deps.db, accountId }),
      paused: pausedUntil !== null,
      pausedUntil,
      reason: pausedUntil ? (row?.pauseReason ?? null) : null,
      restrictions: row?.restrictions ?? 0,
      pacing: resolvePacing(this.deps.config.pacing, row),
    }
  }

  /** What an account's status shows of its queue: how much waits, and whether sending is paused. */
  queueBrief(accountId: string): Pick<QueueStatus, 'queued' | 'paused' | 'pausedUntil' | 'reason'> {
    const { queued, paused, pausedUntil, reason } = this.queueStatus(accountId)
    return { queued, paused, pausedUntil, reason }
  }

  /** Per-account pacing; null returns a setting to the global one. */
  setPacing(accountId: string, pacing: { minGapMs?: number | null; perMinute?: number | null }): QueueStatus {
    this.deps.sessions.get(accountId)
    saveQueueRow({ db: this.deps.db, accountId, patch: pacing })
    this.queue.kick(accountId)
    return this.queueStatus(accountId)
  }

  /** An operator ends a restriction pause early. */
  resume(accountId: string): QueueStatus {
    this.deps.sessions.get(accountId)
    saveQueueRow({ db: this.deps.db, accountId, patch: { pausedUntil: null, pauseReason: null, restrictions: 0 } })
    this.deps.bus.emit('messages.queue', { accountId, paused: false, reason: null, pausedUntil: null })
    this.queue.kick(accountId)
    return this.queueStatus(accountId)
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private requireConnected(accountId: string): WaSocket {
    const sock = this.deps.sessions.connectedSocket(accountId)
    if (!sock) throw new AppError('not_connected', 'The account is not connected to WhatsApp; connect it first.')
    return sock
  }

  /** A message of the account by the gateway's id, or by its WhatsApp id. */
  private requireMessage(accountId: string, id: string): MessageRow {
    const row = findMessageRow({ db: this.deps.db, accountId, publicId: id }) ?? findMessageByWaId(this.deps.db, accountId, id)
    if (!row) throw new AppError('not_found', `No message ${id} in account ${accountId}.`)
    return row
  }

  private view(accountId: string, row: MessageRow): MessageView {
    const [view] = messageViewsByRowIds({ db: this.deps.db, ids: [row.id] })
    if (!view) throw new AppError('not_found', `No message ${row.publicId ?? row.waMessageId}.`)
    return view
  }

  /** Fills in queuePosition of the queued messages among `views` (one query). */
  private withPositions(accountId: string, views: MessageView[]): MessageView[] {
    const queued = views.filter((v) => v.status === 'queued' || v.status === 'pending').map((v) => v.id)
    if (queued.length === 0) return views
    const positions = queuePositions({ db: this.deps.db, accountId, publicIds: queued })
    return views.map((v) => (positions.has(v.id) ? { ...v, queuePosition: positions.get(v.id) ?? null } : v))
  }

  private announceUpdate(accountId: string, publicId: string): MessageView {
    const message = messageView({ db: this.deps.db, accountId, publicId })
    if (!message) throw new AppError('not_found', `No message ${publicId}.`)
    this.deps.bus.emit('message.updated', { accountId, message })
    return message
  }

  private cursor(raw: string | undefined) {
    if (raw === undefined) return undefined
    const c = decodeCursor(raw)
    if (!c) throw new AppError('validation_failed', 'Invalid cursor.', { details: { field: 'cursor' } })
    return c
  }
}

const pageSize = (limit: number | undefined) => Math.min(Math.max(1, limit ?? DEFAULT_PAGE), MAX_PAGE)

export type { MessageDirection }
