import type { DB } from '@/lib/db/client'
import { findMessageRowsByIds, type MessageRow } from '@/lib/db/messages'
import { claimNextOwed, getQueueRow, markFailed, markSent, nextOwed, recentSendTimes, requeue } from '@/lib/db/send-queue'
import type { EventBus } from '@/lib/events/bus'
import type { Logger } from '@/lib/logger'
import type { LinkPreview, OutgoingContent, QuotedRef } from '@/lib/whatsapp/outgoing'
import type { WaSocket } from '@/lib/whatsapp/socket'
import { recordMessageNews } from './outbox'
import { decideNextSend, type PacingConfig, resolvePacing, WINDOW_MS } from './pacing'
import { readStoredRequest, type StoredRequest } from './stored-request'
import { messageViewsByRowIds } from './views'

export type LinkPreviewer = (url: string) => Promise<LinkPreview | null>

const URL_RE = /https?:\/\/[^\s<>"']+/i

/**
 * Without the outbound address guard (lib/net, built with media) the gateway fetches nothing: the
 * preview names the URL only. The guard plugs in here.
 */
export const urlOnlyPreview: LinkPreviewer = async (url) => ({ url })

export type QueueDeps = {
  db: DB
  bus: EventBus
  logger: Logger
  connectedSocket(accountId: string): WaSocket | undefined
  pacing: PacingConfig
  linkPreview: LinkPreviewer
  now: () => number
}

/**
 * Per-account send loops over the persisted queue: strictly one message at a time per account, in
 * the order accepted, paced by decideNextSend. A loop runs while the account is connected and owes
 * messages; it is kicked by a new send, a reconnect, the end of a wait, or a resume.
 */
export class SendQueue {
  private readonly running = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly recent = new Map<string, number[]>()
  private readonly log: Logger
  private stopped = false

  constructor(private readonly deps: QueueDeps) {
    this.log = deps.logger.child({ component: 'send-queue' })
  }

  kick(accountId: string): void {
    if (this.stopped) return
    if (this.running.has(accountId)) {
      this.again.add(accountId)
      return
    }
    const timer = this.timers.get(accountId)
    if (timer) clearTimeout(timer)
    this.timers.delete(accountId)
    const run = this.drain(accountId)
      .catch((err: unknown) => this.log.error({ err, accountId }, 'send loop failed'))
      .finally(() => {
        this.running.delete(accountId)
        if (this.again.delete(accountId)) this.kick(accountId)
      })
    this.running.set(accountId, run)
  }

  /** Stops every loop after the send in flight (if any); queued rows stay for the next start. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    await Promise.all(this.running.values())
  }

  private recentSends(accountId: string, now: number): number[] {
    let list = this.recent.get(accountId)
    if (!list) {
      list = recentSendTimes({ db: this.deps.db, accountId, since: now - WINDOW_MS })
      this.recent.set(accountId, list)
    }
    const fresh = list.filter((t) => t > now - WINDOW_MS)
    this.recent.set(accountId, fresh)
    return fresh
  }

  private waitThenKick(accountId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(accountId)
      this.kick(accountId)
    }, delayMs)
    this.timers.set(accountId, timer)
  }

  private announce(accountId: string, id: number): void {
    for (const message of messageViewsByRowIds({ db: this.deps.db, ids: [id] }))
      this.deps.bus.emit('message.updated', { accountId, message })
  }

  private async drain(accountId: string): Promise<void> {
    const { db } = this.deps
    for (;;) {
      if (this.stopped) return
      const sock = this.deps.connectedSocket(accountId)
      if (!sock) return // resumes on the next `connected`
      const now = this.deps.now()
      const queueRow = getQueueRow({ db, accountId })
      const decision = decideNextSend(
        { now, recentSends: this.recentSends(accountId, now), pausedUntil: queueRow?.pausedUntil ?? null },
        resolvePacing(this.deps.pacing, queueRow),
      )
      if (decision.action === 'wait') {
        if (nextOwed({ db, accountId })) this.waitThenKick(accountId, decision.delayMs)
        return
      }
      const row = claimNextOwed({ db, accountId, now })
      if (!row) return
      const stored = readStoredRequest(row.request)
      if (!stored.ok) {
        // written by a version whose shape this one does not know: failed with the reason, never thrown
        markFailed({ db, id: row.id, reason: stored.reason, onNews: recordMessageNews })
        this.log.warn({ accountId, msgId: row.waMessageId, reason: stored.reason }, 'queued message cannot be read; failed')
        this.announce(accountId, row.id)
        continue
      }
      let sent
      try {
        const { jid, content, quoted } = await this.prepare(row, stored.request)
        sent = await sock.send(jid, content, { messageId: row.waMessageId, ...(quoted ? { quoted } : {}) })
      } catch (err) {
        if (!this.deps.connectedSocket(accountId)) {
          // The connection went away mid-send: keep the message and its place in the queue.
          requeue({ db, id: row.id })
          this.log.info({ accountId, msgId: row.waMessageId }, 'send interrupted by a disconnect; kept queued')
          return
        }
        const reason = `sending failed: ${err instanceof Error ? err.message : String(err)}`
        markFailed({ db, id: row.id, reason, onNews: recordMessageNews })
        this.log.warn({ err, accountId, msgId: row.waMessageId }, 'send failed')
        this.announce(accountId, row.id)
        continue
      }
      markSent({ db, id: row.id, proto: sent.proto, timestamp: sent.timestamp, onNews: recordMessageNews })
      this.recent.get(accountId)?.push(this.deps.now())
      this.log.debug({ accountId, msgId: row.waMessageId }, 'message sent')
      this.announce(accountId, row.id)
    }
  }

  /** The Baileys-ready pieces of a row: its target chat, content (with a preview if asked) and the quoted message. */
  private async prepare(row: MessageRow, request: StoredRequest): Promise<{ jid: string; content: OutgoingContent; quoted?: QuotedRef }> {
    let content = request.content
    if (content.kind === 'text' && request.previewUrl && !content.linkPreview) {
      const url = URL_RE.exec(content.text)?.[0]
      const preview = url ? await this.deps.linkPreview(url).catch(() => null) : null
      content = { ...content, linkPreview: preview }
    }
    const [q] = request.quotedRowId ? findMessageRowsByIds({ db: this.deps.db, ids: [request.quotedRowId] }) : []
    const quoted: QuotedRef | undefined = q
      ? { key: { remoteJid: q.chatJid, fromMe: q.direction === 'out', id: q.waMessageId }, proto: q.proto, timestamp: q.timestamp }
      : undefined
    return { jid: row.chatJid, content, ...(quoted ? { quoted } : {}) }
  }
}
